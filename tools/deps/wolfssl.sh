#!/usr/bin/env bash
# wolfssl.sh <deps-root>: troupe's optimized wolfSSL, from Debian's source
# package, installed into <deps-root>/prefix as a static, position-independent
# libwolfssl.a with its headers and wolfssl.pc.
#
# Why: Debian's binary libwolfssl is built for baseline x86-64, without AES-NI
# or assembly; the same source with the flags below runs AES-GCM an order of
# magnitude faster.  Static linking means troupe can never pick up the system
# libwolfssl.so.35 of the same name by accident.
#
# Configure flags = Debian's own (read from the package's debian/rules, with
# its hardening CFLAGS from dpkg-buildflags) + the speed flags + static/PIC.
# Debian's --enable-distro implies --enable-all, which already brings what
# troupe's TLS, HTTPS and wss transports need (TLS 1.3, ALPN, SNI, session
# tickets, the OpenSSL compatibility layer, and --enable-libwebsockets for
# libwebsockets' wolfSSL backend); the build checks for them in options.h.
#
# Cached: a stamp in <deps-root>/stamps/wolfssl.stamp records the flags; a run
# with the same flags and an intact prefix returns at once without network.
# TROUPE_DEPS_REBUILD=1 forces a new fetch (e.g. for a newer security update).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/common.bash
. "$here/lib/common.bash"

[[ $# == 1 ]] || { echo "usage: $0 <deps-root>" >&2; exit 2; }
dep_init wolfssl "$1"

# What troupe adds to Debian's flags.  Part of the stamp key: editing this
# list rebuilds.
speed_flags=(--enable-aesni --enable-intelasm --enable-sp --enable-sp-asm)
link_flags=(--enable-static --disable-shared --with-pic)
# Defines troupe's transports rely on; checked in the installed options.h.
required_defines=(WOLFSSL_TLS13 HAVE_ALPN HAVE_SNI HAVE_SESSION_TICKET
    OPENSSL_EXTRA OPENSSL_ALL WOLFSSL_LIBWEBSOCKETS HAVE_AESGCM WOLFSSL_AESNI
    USE_INTEL_SPEEDUP WOLFSSL_SP_X86_64_ASM HAVE_TLS_EXTENSIONS HAVE_SUPPORTED_CURVES
    HAVE_FFDHE_2048 WOLFSSL_ENCRYPTED_KEYS HAVE_EX_DATA)
stamp_key="wolfssl-v2 ${speed_flags[*]} ${link_flags[*]} ${required_defines[*]}"

lib=$DEP_PREFIX/lib/libwolfssl.a
pc=$DEP_PREFIX/lib/pkgconfig/wolfssl.pc
if [[ -z ${TROUPE_DEPS_REBUILD:-} ]] && dep_stamp_current "$stamp_key" "$lib" "$pc" "$DEP_PREFIX/include/wolfssl/options.h"; then
    dep_log "up to date ($(dep_stamp_version), $DEP_PREFIX)"
    exit 0
fi

t0=$SECONDS
dep_need_packages autoconf automake libtool dpkg-dev make gcc
dep_apt_update
dep_fetch_source wolfssl

# Debian's configure arguments: the continuation lines after
# `dh_auto_configure --` in debian/rules.
mapfile -t debian_flags < <(awk '
    /dh_auto_configure[ \t]+--/ { on = 1; sub(/.*dh_auto_configure[ \t]+--/, "") }
    on { line = $0; cont = sub(/\\[ \t]*$/, "", line)
         n = split(line, w, /[ \t]+/); for (i = 1; i <= n; i++) if (w[i] != "") print w[i]
         if (!cont) exit }' "$DEP_TREE/debian/rules")
[[ " ${debian_flags[*]} " == *" --enable-distro "* ]] ||
    dep_die "debian/rules of $DEP_VERSION no longer passes --enable-distro; review tools/deps/wolfssl.sh"
dep_log "Debian flags: ${debian_flags[*]}"
dep_log "troupe flags: ${speed_flags[*]} ${link_flags[*]}"

# Debian's compiler flags (hardening=+all, as its debian/rules exports).
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CFLAGS=$(dpkg-buildflags --get CFLAGS)
CPPFLAGS=$(dpkg-buildflags --get CPPFLAGS)
LDFLAGS=$(dpkg-buildflags --get LDFLAGS)
export CFLAGS CPPFLAGS LDFLAGS

# Build in a copy of the pristine unpacked tree, so a failed or changed build
# never leaves half-configured state for the next run.
build=$DEP_ROOT/build/wolfssl
rm -rf "$build"
mkdir -p "$(dirname "$build")"
cp -a "$DEP_TREE" "$build"
cd "$build"

dep_log "autoreconf"
dep_run autoreconf autoreconf -fi
dep_log "configure"
dep_run configure ./configure --prefix="$DEP_PREFIX" --libdir="$DEP_PREFIX/lib" \
    "${debian_flags[@]}" "${speed_flags[@]}" "${link_flags[@]}"
jobs=${TROUPE_JOBS:-2}
dep_log "make -j$jobs (log: $DEP_LOGS/wolfssl-make.log)"
dep_run make make -j"$jobs"

dep_log "testwolfcrypt"
[[ -x wolfcrypt/test/testwolfcrypt ]] || dep_die "wolfcrypt/test/testwolfcrypt was not built"
# It reads test vectors and certificates relative to the source top.
dep_run testwolfcrypt ./wolfcrypt/test/testwolfcrypt
grep -q 'Test complete' "$DEP_LOGS/wolfssl-testwolfcrypt.log" ||
    dep_die "testwolfcrypt did not complete (see $DEP_LOGS/wolfssl-testwolfcrypt.log)"

dep_log "install into $DEP_PREFIX"
rm -rf "$DEP_PREFIX/include/wolfssl" "$DEP_PREFIX"/lib/libwolfssl.* "$pc"
dep_run install make install
# Only the archive: a .so here could shadow or be shadowed by the system's.
rm -f "$DEP_PREFIX"/lib/libwolfssl.so* "$DEP_PREFIX/lib/libwolfssl.la"
# A distro build leaves options.h (the configuration every user of the headers
# must see) out of `make install`; Debian installs it from its .install list.
install -m 644 wolfssl/options.h "$DEP_PREFIX/include/wolfssl/options.h"
if [[ -d $DEP_PREFIX/include/cyassl && -f cyassl/options.h ]]; then
    install -m 644 cyassl/options.h "$DEP_PREFIX/include/cyassl/options.h"
fi
[[ -f $lib ]] || dep_die "make install left no $lib"
# wolfssl.pc names no private libraries, so a static link (pkg-config
# --static) would miss libm (dh.c uses pow/log) and the thread library.
libs=$(sed -n 's/^LIBS = *//p' Makefile)
printf 'Libs.private: %s -lm\n' "$libs" >>"$pc"

opts=$DEP_PREFIX/include/wolfssl/options.h
missing=()
for d in "${required_defines[@]}"; do
    grep -qE "^#define $d\b" "$opts" || missing+=("$d")
done
((${#missing[@]} == 0)) || dep_die "the build lacks ${missing[*]} (see $opts)"

dep_stamp_write "$stamp_key" "$DEP_VERSION"
dep_log "done: wolfSSL $DEP_VERSION in $((SECONDS - t0)) s"
