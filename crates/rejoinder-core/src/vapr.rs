//! vapr's responses as values. (Being written.)
