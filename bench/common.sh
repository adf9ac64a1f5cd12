# Shared by the bench scripts; sourced after they define log and die.

apt_install() { # first package that has an install candidate
    local pkg created=0
    [[ $(id -u) -eq 0 ]] || die "$1 is missing; install it with apt-get or run as root"
    apt-get update -qq >/dev/null
    for pkg in "$@"; do
        # Read the whole policy first: `| grep -q` would stop reading early and,
        # under the callers' pipefail, fail the pipe with apt-cache's SIGPIPE.
        if [[ $(apt-cache policy "$pkg" 2>/dev/null) == *'Candidate: '[0-9]* ]]; then
            log "installing $pkg"
            # Keep the package's own service from starting (port 80, its own
            # config): this script starts the only nginx it measures.
            if [[ ! -e /usr/sbin/policy-rc.d ]]; then
                printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
                chmod +x /usr/sbin/policy-rc.d
                created=1
            fi
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
            [[ $created -eq 0 ]] || rm -f /usr/sbin/policy-rc.d
            return 0
        fi
    done
    die "none of $* can be installed with apt-get"
}
