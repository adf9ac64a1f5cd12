//! The keys of an app's signed and private cookies, and what they do to a
//! value: sign and verify, encrypt and decrypt, with rotation.
//!
//! An app has one current key, which writes, and any number of previous
//! keys, which still read — Koa's `app.keys = [current, ...old]` list,
//! where keygrip signs with the first and verifies with any. The work is
//! the `cookie` crate's: HMAC-SHA256 for signed cookies, AES-256-GCM for
//! private ones.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, Engine};
use cookie::{Cookie, CookieJar, Key};

/// The length of the signature the `cookie` crate's signed jar puts in
/// front of a value: the base64 of an HMAC-SHA256.
const SIGNATURE_LEN: usize = 44;

/// The bytes a key is made from, at least.
const KEY_LEN: usize = 64;

/// The bytes a master secret has, at least, for [`derive_key`].
const MASTER_LEN: usize = 32;

/// The current key and the previous ones.
#[derive(Clone, Default)]
pub(crate) struct CookieKeys {
    current: Option<Key>,
    previous: Vec<Key>,
}

impl std::fmt::Debug for CookieKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CookieKeys")
            .field("current", &self.current.is_some())
            .field("previous", &self.previous.len())
            .finish()
    }
}

impl CookieKeys {
    pub(crate) fn set_current(&mut self, key: Key) {
        self.current = Some(key);
    }

    pub(crate) fn add_previous(&mut self, key: Key) {
        self.previous.push(key);
    }

    /// The key that writes, if the app has one.
    pub(crate) fn current(&self) -> Option<&Key> {
        self.current.as_ref()
    }

    /// Whether no key at all was given to the app.
    pub(crate) fn is_empty(&self) -> bool {
        self.current.is_none() && self.previous.is_empty()
    }

    /// The keys that read, the current one first.
    fn readers(&self) -> impl Iterator<Item = &Key> {
        self.current.iter().chain(&self.previous)
    }

    /// The value `value` of the cookie `name`, signed with `key`: the
    /// signature, then the value in clear.
    ///
    /// The signature covers `name=value`, as keygrip's does for Koa: the
    /// `cookie` crate's signed jar covers the value alone, so a value signed
    /// for one cookie would verify under any other name. The `name=` part
    /// is signed, not sent.
    pub(crate) fn sign(key: &Key, name: &str, value: &str) -> String {
        let covered = format!("{name}={value}");
        let mut jar = CookieJar::new();
        jar.signed_mut(key)
            .add(Cookie::new(name.to_owned(), covered.clone()));
        let signed = jar.get(name).map_or("", Cookie::value);
        let signature = signed
            .strip_suffix(covered.as_str())
            .expect("the cookie crate puts the signature in front of the value");
        debug_assert_eq!(signature.len(), SIGNATURE_LEN);
        format!("{signature}{value}")
    }

    /// The value of a signed cookie, if its signature is good for `name`
    /// under one of the keys.
    pub(crate) fn verify(&self, name: &str, signed: &str) -> Option<String> {
        if !signed.is_char_boundary(SIGNATURE_LEN) {
            return None;
        }
        let (signature, value) = signed.split_at(SIGNATURE_LEN);
        let candidate = Cookie::new(name.to_owned(), format!("{signature}{name}={value}"));
        let jar = CookieJar::new();
        self.readers()
            .any(|key| jar.signed(key).verify(candidate.clone()).is_some())
            .then(|| value.to_owned())
    }

    /// The value `value` of the cookie `name`, encrypted and authenticated
    /// with `key` (the name is authenticated too, so the value cannot be
    /// moved to another cookie): base64 of nonce, ciphertext and tag.
    pub(crate) fn encrypt(key: &Key, name: &str, value: &str) -> String {
        let mut jar = CookieJar::new();
        jar.private_mut(key)
            .add(Cookie::new(name.to_owned(), value.to_owned()));
        jar.get(name)
            .map_or_else(String::new, |c| c.value().to_owned())
    }

    /// The clear value of a private cookie, if one of the keys opens it for
    /// `name`.
    pub(crate) fn decrypt(&self, name: &str, sealed: &str) -> Option<String> {
        let candidate = Cookie::new(name.to_owned(), sealed.to_owned());
        let jar = CookieJar::new();
        self.readers()
            .find_map(|key| jar.private(key).decrypt(candidate.clone()))
            .map(|c| c.value().to_owned())
    }
}

/// Makes a cookie key from random bytes: at least 64 of them (more are
/// ignored), such as `openssl rand 64` makes.
///
/// For a key that lives in configuration, see [`key_from_base64`]; for one
/// made from a master secret, [`derive_key`]; for one that lasts as long
/// as the process (every cookie it made dies with it), [`Key::generate`].
///
/// # Examples
///
/// ```
/// use rejoinder::cookies::key_from_bytes;
///
/// let key = key_from_bytes(&[7u8; 64]).unwrap();
/// # drop(key);
/// let err = key_from_bytes(b"hunter2").unwrap_err();
/// assert!(err.is_too_short());
/// assert!(err.to_string().contains("at least 64 bytes"), "{err}");
/// ```
///
/// # Errors
///
/// Fewer than 64 bytes.
pub fn key_from_bytes(bytes: &[u8]) -> Result<Key, KeyError> {
    Key::try_from(bytes).map_err(|_| KeyError {
        kind: KeyErrorKind::TooShort {
            len: bytes.len(),
            needed: KEY_LEN,
        },
    })
}

/// Makes a cookie key from base64 text, such as `openssl rand -base64 64`
/// prints: the standard or the URL-safe alphabet, padded or not, line
/// breaks and spaces ignored. The text must decode to at least 64 bytes.
///
/// # Examples
///
/// ```
/// use rejoinder::cookies::key_from_base64;
/// use rejoinder::App;
///
/// let text = "c2VjcmV0".repeat(11); // 88 characters, 66 bytes
/// let app = App::new().cookie_key(key_from_base64(&text).unwrap());
/// # drop(app);
/// assert!(key_from_base64("c2VjcmV0").unwrap_err().is_too_short());
/// assert!(key_from_base64("not base64!").unwrap_err().is_not_base64());
/// ```
///
/// # Errors
///
/// Text that is not base64, or decodes to fewer than 64 bytes.
pub fn key_from_base64(text: &str) -> Result<Key, KeyError> {
    const LENIENT: GeneralPurposeConfig =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    const STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
    const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);
    let compact: String = text.split_ascii_whitespace().collect();
    let bytes = STANDARD
        .decode(&compact)
        .or_else(|_| URL_SAFE.decode(&compact))
        .map_err(|e| KeyError {
            kind: KeyErrorKind::NotBase64(e.to_string()),
        })?;
    key_from_bytes(&bytes)
}

/// Derives a cookie key from a master secret of at least 32 random bytes
/// (HKDF-SHA256, the `cookie` crate's `Key::derive_from`): for an app that
/// already keeps one secret and makes its other keys from it. The same
/// secret always gives the same key.
///
/// A password is not a master secret: it has far fewer than 32 bytes of
/// randomness, and HKDF does not stretch it.
///
/// # Examples
///
/// ```
/// use rejoinder::cookies::derive_key;
///
/// let master = [42u8; 32]; // in practice: read from a secret store
/// let key = derive_key(&master).unwrap();
/// assert_eq!(key.master(), derive_key(&master).unwrap().master());
/// assert!(derive_key(b"too short").unwrap_err().is_too_short());
/// ```
///
/// # Errors
///
/// Fewer than 32 bytes.
pub fn derive_key(master: &[u8]) -> Result<Key, KeyError> {
    if master.len() < MASTER_LEN {
        return Err(KeyError {
            kind: KeyErrorKind::TooShort {
                len: master.len(),
                needed: MASTER_LEN,
            },
        });
    }
    Ok(Key::derive_from(master))
}

/// Why a cookie key could not be made (see [`key_from_bytes`] and
/// [`key_from_base64`]).
pub struct KeyError {
    kind: KeyErrorKind,
}

#[derive(Debug)]
enum KeyErrorKind {
    TooShort { len: usize, needed: usize },
    NotBase64(String),
}

impl KeyError {
    /// The material was too short: fewer than 64 bytes for a key, 32 for
    /// a master secret.
    pub fn is_too_short(&self) -> bool {
        matches!(self.kind, KeyErrorKind::TooShort { .. })
    }

    /// The text was not base64.
    pub fn is_not_base64(&self) -> bool {
        matches!(self.kind, KeyErrorKind::NotBase64(_))
    }
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            KeyErrorKind::TooShort { len, needed } => write!(
                f,
                "a cookie key needs at least {needed} bytes of random material, got {len} \
                 (make one with `openssl rand -base64 64`)"
            ),
            KeyErrorKind::NotBase64(why) => write!(f, "the cookie key is not base64: {why}"),
        }
    }
}

impl std::fmt::Debug for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyError")
            .field("kind", &self.kind)
            .finish()
    }
}

impl std::error::Error for KeyError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(current: u8, previous: &[u8]) -> CookieKeys {
        let mut keys = CookieKeys::default();
        keys.set_current(Key::from(&[current; 64]));
        for &p in previous {
            keys.add_previous(Key::from(&[p; 64]));
        }
        keys
    }

    #[test]
    fn signatures_bind_the_name() {
        let keys = keys(1, &[]);
        let signed = CookieKeys::sign(keys.current().unwrap(), "role", "admin");
        assert_eq!(signed.len(), SIGNATURE_LEN + "admin".len());
        assert!(signed.ends_with("admin"));
        assert_eq!(keys.verify("role", &signed).as_deref(), Some("admin"));
        assert_eq!(keys.verify("theme", &signed), None);
        let mut tampered = signed.clone();
        tampered.replace_range(SIGNATURE_LEN.., "root!");
        assert_eq!(keys.verify("role", &tampered), None);
        for short in ["", "abc", &signed[..SIGNATURE_LEN - 1]] {
            assert_eq!(keys.verify("role", short), None);
        }
        // A multibyte character across the signature's end is no panic.
        let odd = format!("{}é", "a".repeat(SIGNATURE_LEN - 1));
        assert_eq!(keys.verify("role", &odd), None);
    }

    #[test]
    fn previous_keys_read_and_never_write() {
        let old = keys(2, &[]);
        let signed = CookieKeys::sign(old.current().unwrap(), "a", "v");
        let sealed = CookieKeys::encrypt(old.current().unwrap(), "a", "v");
        let rotated = keys(1, &[3, 2]);
        assert_eq!(rotated.verify("a", &signed).as_deref(), Some("v"));
        assert_eq!(rotated.decrypt("a", &sealed).as_deref(), Some("v"));
        let stranger = keys(4, &[]);
        assert_eq!(stranger.verify("a", &signed), None);
        assert_eq!(stranger.decrypt("a", &sealed), None);
        assert_eq!(rotated.decrypt("b", &sealed), None);
    }

    #[test]
    fn debug_shows_no_key() {
        let text = format!("{:?}", keys(9, &[8]));
        assert_eq!(text, "CookieKeys { current: true, previous: 1 }");
    }
}
