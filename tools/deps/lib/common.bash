# Shared steps of the dependency builders in tools/deps/*.sh: progress lines,
# build tools from apt, Debian source packages fetched through a private apt
# configuration, and build stamps.  Sourced, never run (it lives in lib/ so
# that `./troupe setup`, which runs tools/deps/*.sh, does not pick it up).
#
# Layout under the deps root (<repo>/build/deps):
#   apt/      private deb-src list, package lists and caches; the system's
#             own lists and caches are never touched
#   src/      downloaded source packages and their unpacked trees
#   prefix/   what the builders install (lib/, include/, lib/pkgconfig/)
#   stamps/   <name>.stamp: what was built and with which flags
#   logs/     full output of each build step, shown in part when it fails

dep_log() { printf '[deps:%s] %s\n' "${DEP_NAME:-?}" "$*"; }
dep_die() { printf '[deps:%s] error: %s\n' "${DEP_NAME:-?}" "$*" >&2; exit 1; }

# dep_init NAME ROOT: directories, an exclusive lock per package (so two
# setups racing on one tree cannot interleave), and the log file.
dep_init() {
    DEP_NAME=$1
    DEP_ROOT=$(mkdir -p "$2" && cd "$2" && pwd) || dep_die "cannot create $2"
    DEP_PREFIX=$DEP_ROOT/prefix
    DEP_SRC=$DEP_ROOT/src
    DEP_APT=$DEP_ROOT/apt
    DEP_LOGS=$DEP_ROOT/logs
    mkdir -p "$DEP_PREFIX" "$DEP_SRC" "$DEP_APT" "$DEP_LOGS" "$DEP_ROOT/stamps"
    DEP_STAMP=$DEP_ROOT/stamps/$DEP_NAME.stamp
    exec {DEP_LOCK_FD}>"$DEP_ROOT/stamps/$DEP_NAME.lock"
    flock "$DEP_LOCK_FD" || dep_die "cannot lock $DEP_ROOT/stamps/$DEP_NAME.lock"
}

# dep_stamp_current KEY: true when the stamp says KEY was built and every
# file given after KEY still exists.  KEY holds the flags, so changing a flag
# in a builder rebuilds.
dep_stamp_current() {
    local key=$1; shift
    [[ -f $DEP_STAMP ]] || return 1
    grep -qxF "key=$key" "$DEP_STAMP" || return 1
    local f
    for f in "$@"; do [[ -e $f ]] || return 1; done
    return 0
}

dep_stamp_write() {   # dep_stamp_write KEY VERSION
    printf 'key=%s\nversion=%s\nbuilt=%s\n' "$1" "$2" "$(date -u +%FT%TZ)" >"$DEP_STAMP.tmp"
    mv "$DEP_STAMP.tmp" "$DEP_STAMP"
}

dep_stamp_version() { sed -n 's/^version=//p' "$DEP_STAMP" 2>/dev/null; }

# dep_run LOGNAME CMD...: run a build step into logs/LOGNAME.log; on failure
# show its tail, since a 20k-line make log on the terminal helps nobody.
dep_run() {
    local log=$DEP_LOGS/$DEP_NAME-$1.log; shift
    if ! "$@" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        dep_die "step failed: $* (full log: $log)"
    fi
}

dep_as_root() {
    if [[ $(id -u) == 0 ]]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else dep_die "need root (or sudo) to run: $*"; fi
}

# dep_need_packages PKG...: install the Debian packages not yet installed.
dep_need_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    dep_log "installing build tools: ${missing[*]}"
    dep_run apt-install dep_as_root env DEBIAN_FRONTEND=noninteractive \
        sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends "$@"' sh "${missing[@]}"
}

# The machine's own apt sources, rewritten as deb-src stanzas (deb822) for
# this release's suites only (third-party repos rarely publish sources).
# Reads both the one-line format and .sources files, as apt itself does.
dep_apt_write_sources() {
    local out=$1 codename
    codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
    [[ -n $codename ]] || codename=$(lsb_release -sc 2>/dev/null || true)
    [[ -n $codename ]] || dep_die "cannot tell the Debian release (no VERSION_CODENAME)"
    {
        local f
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
            [[ -f $f ]] || continue
            awk -v cn="$codename" '
                /^[ \t]*deb[ \t]/ {
                    sub(/#.*/, "")
                    signed = ""
                    if (match($0, /\[[^]]*\]/)) {
                        opts = substr($0, RSTART + 1, RLENGTH - 2)
                        $0 = substr($0, 1, RSTART - 1) substr($0, RSTART + RLENGTH)
                        n = split(opts, o, /[ \t]+/)
                        for (i = 1; i <= n; i++)
                            if (o[i] ~ /^signed-by=/) { signed = o[i]; sub(/^signed-by=/, "", signed) }
                    }
                    if ($3 != cn && index($3, cn "-") != 1) next
                    printf "Types: deb-src\nURIs: %s\nSuites: %s\nComponents:", $2, $3
                    for (i = 4; i <= NF; i++) printf " %s", $i
                    printf "\n"
                    if (signed != "") printf "Signed-By: %s\n", signed
                    printf "\n"
                }' "$f"
        done
        for f in /etc/apt/sources.list.d/*.sources; do
            [[ -f $f ]] || continue
            # Stanzas are separated by blank lines; keep URIs, Suites (only
            # this release), Components, Signed-By and Trusted, force the type.
            awk -v cn="$codename" '
                function flush(   n, s, i, keep) {
                    if (uris != "" && enabled != "no") {
                        n = split(suites, s, /[ \t]+/); keep = ""
                        for (i = 1; i <= n; i++)
                            if (s[i] == cn || index(s[i], cn "-") == 1) keep = keep " " s[i]
                        if (keep != "") {
                            printf "Types: deb-src\nURIs: %s\nSuites:%s\nComponents: %s\n", uris, keep, comps
                            if (signed != "") printf "Signed-By: %s\n", signed
                            if (trusted != "") printf "Trusted: %s\n", trusted
                            printf "\n"
                        }
                    }
                    uris = suites = comps = signed = trusted = enabled = ""; field = ""
                }
                /^#/ { next }
                /^[ \t]*$/ { flush(); next }
                /^[ \t]/ {   # continuation line (multi-line Signed-By key block)
                    if (field == "signed-by") signed = signed "\n" $0
                    next
                }
                {
                    field = tolower(substr($0, 1, index($0, ":") - 1))
                    val = substr($0, index($0, ":") + 1); sub(/^[ \t]+/, "", val); sub(/[ \t]+$/, "", val)
                    if (field == "uris") uris = val
                    else if (field == "suites") suites = val
                    else if (field == "components") comps = val
                    else if (field == "signed-by") signed = val
                    else if (field == "trusted") trusted = val
                    else if (field == "enabled") enabled = tolower(val)
                }
                END { flush() }' "$f"
        done
    } >"$out.tmp"
    grep -q '^Types: deb-src' "$out.tmp" || dep_die "no apt source for '$codename' found in /etc/apt to derive deb-src entries from"
    mv "$out.tmp" "$out"
}

# Options that point apt at the private configuration: its own source list,
# package lists and caches, so the system's state is left as it was.
dep_apt_opts() {
    DEP_APT_OPTS=(
        -o "Dir::Etc::sourcelist=$DEP_APT/deb-src.sources"
        -o "Dir::Etc::sourceparts=-"
        -o "Dir::State::Lists=$DEP_APT/lists"
        -o "Dir::Cache=$DEP_APT/cache"
        -o "APT::Get::List-Cleanup=0"
        -o "APT::Sandbox::User=root"
    )
}

# dep_apt_update: refresh the private source index (at most every 6 hours,
# so a second package in the same setup run does not fetch it again).
dep_apt_update() {
    mkdir -p "$DEP_APT/lists/partial" "$DEP_APT/cache/archives/partial"
    dep_apt_write_sources "$DEP_APT/deb-src.sources"
    dep_apt_opts
    local mark=$DEP_APT/lists/.updated
    if [[ -f $mark && -z $(find "$mark" -mmin +360) ]] && cmp -s "$DEP_APT/deb-src.sources" "$mark"; then
        return 0
    fi
    dep_log "apt: updating source index (private lists in $DEP_APT)"
    dep_run apt-update apt-get -q "${DEP_APT_OPTS[@]}" update
    cp "$DEP_APT/deb-src.sources" "$mark"
}

# dep_source_version PKG: the newest source version apt knows (all suites,
# the security suite included).
dep_source_version() {
    local v best=
    while read -r v; do
        if [[ -z $best ]] || dpkg --compare-versions "$v" gt "$best"; then best=$v; fi
    done < <(apt-cache "${DEP_APT_OPTS[@]}" showsrc "$1" 2>/dev/null | sed -n 's/^Version: //p')
    echo "$best"
}

# dep_fetch_source PKG: download and unpack the newest source package of PKG
# into src/; sets DEP_VERSION and DEP_TREE (the unpacked tree, pristine:
# unpacked anew when it is missing).
dep_fetch_source() {
    local pkg=$1
    DEP_VERSION=$(dep_source_version "$pkg")
    [[ -n $DEP_VERSION ]] || dep_die "apt knows no source package '$pkg' (see $DEP_APT/deb-src.sources)"
    local upstream=${DEP_VERSION#*:}; upstream=${upstream%-*}
    local dsc=$DEP_SRC/${pkg}_${DEP_VERSION#*:}.dsc
    if [[ ! -f $dsc ]]; then
        dep_log "apt: fetching source $pkg $DEP_VERSION"
        (cd "$DEP_SRC" && dep_run apt-source apt-get -q "${DEP_APT_OPTS[@]}" source --download-only "$pkg=$DEP_VERSION")
    fi
    DEP_TREE=$DEP_SRC/$pkg-$upstream-${DEP_VERSION##*-}
    if [[ ! -f $DEP_TREE/debian/rules ]]; then
        rm -rf "$DEP_TREE"
        dep_log "unpacking $(basename "$dsc")"
        dep_run dpkg-source dpkg-source --no-check -x "$dsc" "$DEP_TREE"
    fi
}
