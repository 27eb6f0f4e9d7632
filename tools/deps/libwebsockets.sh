#!/usr/bin/env bash
# libwebsockets.sh <deps-root>: libwebsockets from Debian's source package,
# built against troupe's own wolfSSL (tools/deps/wolfssl.sh) with libuv linked
# in, installed into <deps-root>/prefix as a static, position-independent
# libwebsockets.a with its headers and a libwebsockets.pc.
#
# Why: Debian's binary libwebsockets uses OpenSSL, which would put a second
# TLS stack in the process; built on the bundled wolfSSL, wss shares TLS code,
# speed and certificates with every other troupe transport.
#
# CMake flags = Debian's (debian/rules) minus its extra event libraries
# (libev, glib: troupe drives lws from libuv only, and each would add a link
# dependency) + wolfSSL, static/PIC, the libuv glue compiled into the library
# instead of a runtime-loaded plugin, and no test apps.
#
# Cached like wolfssl.sh: the stamp records the flags and the wolfSSL stamp it
# was built on, so a rebuilt wolfSSL rebuilds this too.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/common.bash
. "$here/lib/common.bash"

[[ $# == 1 ]] || { echo "usage: $0 <deps-root>" >&2; exit 2; }
# ./troupe setup runs the builders in name order; this one needs wolfSSL
# first (a no-op when it is already built).
"$here/wolfssl.sh" "$1"
dep_init libwebsockets "$1"

wolfssl_stamp=$DEP_ROOT/stamps/wolfssl.stamp
[[ -f $wolfssl_stamp ]] || dep_die "wolfSSL is not built ($wolfssl_stamp missing)"

# Debian's flags that troupe drops (see above).
drop_flags=(-DLWS_WITH_LIBEV=ON -DLWS_WITH_GLIB=ON)
troupe_flags=(
    -DCMAKE_BUILD_TYPE=Release
    -DLWS_WITH_WOLFSSL=ON
    "-DLWS_WOLFSSL_INCLUDE_DIRS:PATH=$DEP_PREFIX/include"
    "-DLWS_WOLFSSL_LIBRARIES:STRING=$DEP_PREFIX/lib/libwolfssl.a;m;pthread;dl"
    -DLWS_WITH_LIBUV=ON
    -DLWS_WITH_EVLIB_PLUGINS=OFF
    -DLWS_WITH_STATIC=ON -DLWS_WITH_SHARED=OFF -DLWS_STATIC_PIC=ON
    -DLWS_WITHOUT_TESTAPPS=ON -DLWS_WITH_MINIMAL_EXAMPLES=OFF
    -DDISABLE_WERROR=ON
)
# lws 4.1 probes wolfSSL's OpenSSL-compatible API by link tests on
# "wolfSSL_" + the OpenSSL name; for these four the real symbol drops the
# "SSL_" (wolfSSL_set_alpn_protos, ...), so the probe misses functions that
# the compat headers map correctly, and lws would build without ALPN (no
# HTTP/2, no ALPN for wss).  Tell CMake the answer instead.
troupe_flags+=(
    -DLWS_HAVE_SSL_set_alpn_protos=1
    -DLWS_HAVE_SSL_get0_alpn_selected=1
    -DLWS_HAVE_SSL_CTX_set1_param=1
    -DLWS_HAVE_SSL_CTX_get0_certificate=1
)
# The libraries go in as a STRING: lws declares the variable a PATH, and CMake
# would turn "m" into <builddir>/m, failing every wolfSSL feature check.
stamp_key="lws-v3 ${drop_flags[*]} ${troupe_flags[*]} wolfssl:$(cksum <"$wolfssl_stamp" | cut -d' ' -f1)"

lib=$DEP_PREFIX/lib/libwebsockets.a
pc=$DEP_PREFIX/lib/pkgconfig/libwebsockets.pc
if [[ -z ${TROUPE_DEPS_REBUILD:-} ]] && dep_stamp_current "$stamp_key" "$lib" "$pc" "$DEP_PREFIX/include/libwebsockets.h"; then
    dep_log "up to date ($(dep_stamp_version), $DEP_PREFIX)"
    exit 0
fi

t0=$SECONDS
dep_need_packages cmake dpkg-dev make gcc pkg-config libuv1-dev zlib1g-dev
dep_apt_update
dep_fetch_source libwebsockets

# Debian's CMake arguments: the continuation lines after
# `dh_auto_configure --`, without its multiarch layout flags (the private
# prefix has a plain lib/) and without the dropped event libraries.
mapfile -t debian_flags < <(awk '
    /dh_auto_configure[ \t]+--/ { on = 1; sub(/.*dh_auto_configure[ \t]+--/, "") }
    on { line = $0; cont = sub(/\\[ \t]*$/, "", line)
         n = split(line, w, /[ \t]+/); for (i = 1; i <= n; i++) if (w[i] != "") print w[i]
         if (!cont) exit }' "$DEP_TREE/debian/rules" |
    grep -v -e '^-DCMAKE_LIBRARY_ARCHITECTURE=' -e '^-DLIB_SUFFIX=' |
    grep -v -x -F "${drop_flags[@]/#/-e}")
((${#debian_flags[@]})) || dep_die "found no configure flags in $DEP_TREE/debian/rules"
dep_log "Debian flags: ${debian_flags[*]} (dropped: ${drop_flags[*]})"
dep_log "troupe flags: ${troupe_flags[*]}"

# Debian's compiler flags for this package (its debian/rules sets these).
export DEB_BUILD_MAINT_OPTIONS="hardening=+all future=+lfs"
export DEB_CFLAGS_MAINT_APPEND="-Wno-error=deprecated-declarations -fno-strict-aliasing"
CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
LDFLAGS=$(dpkg-buildflags --get LDFLAGS)
export CFLAGS LDFLAGS

build=$DEP_ROOT/build/libwebsockets
rm -rf "$build"
mkdir -p "$build"
cd "$build"
dep_log "cmake"
dep_run cmake cmake "$DEP_TREE" -DCMAKE_INSTALL_PREFIX="$DEP_PREFIX" \
    "${debian_flags[@]}" "${troupe_flags[@]}"
grep -q '^LWS_WITH_WOLFSSL:BOOL=ON' CMakeCache.txt || dep_die "cmake did not take LWS_WITH_WOLFSSL"

jobs=${TROUPE_JOBS:-2}
dep_log "make -j$jobs (log: $DEP_LOGS/libwebsockets-make.log)"
dep_run make make -j"$jobs"
# A compat function missing from wolfSSL would only show as a warning here
# (and an undefined symbol in troupe's link much later).
if grep -q 'implicit declaration of function' "$DEP_LOGS/libwebsockets-make.log"; then
    grep 'implicit declaration of function' "$DEP_LOGS/libwebsockets-make.log" | head -5 >&2
    dep_die "lws calls functions this wolfSSL does not declare"
fi

dep_log "install into $DEP_PREFIX"
rm -rf "$DEP_PREFIX/include/libwebsockets" "$DEP_PREFIX/include/libwebsockets.h" \
    "$DEP_PREFIX/include/lws_config.h" "$DEP_PREFIX"/lib/libwebsockets* \
    "$DEP_PREFIX"/lib/pkgconfig/libwebsockets*.pc "$DEP_PREFIX/lib/cmake/libwebsockets"
dep_run install make install
[[ -f $lib ]] || dep_die "make install left no $lib"
grep -q '^#define USE_WOLFSSL' "$DEP_PREFIX/include/lws_config.h" ||
    dep_die "installed lws_config.h does not say USE_WOLFSSL"
# lws probes wolfSSL's OpenSSL-compatible API at configure time and quietly
# leaves out what it cannot link (ALPN, hence HTTP/2, among others).
for probe in LWS_HAVE_SSL_set_alpn_protos LWS_HAVE_SSL_get0_alpn_selected \
             LWS_HAVE_X509_VERIFY_PARAM_set1_host; do
    grep -q "^#define $probe" "$DEP_PREFIX/include/lws_config.h" ||
        dep_die "lws found no $probe in wolfSSL (see $DEP_LOGS/libwebsockets-cmake.log)"
done
grep -q '^#define LWS_WITH_LIBUV' "$DEP_PREFIX/include/lws_config.h" ||
    dep_die "installed lws_config.h does not say LWS_WITH_LIBUV"

# lws writes a .pc for its shared library (not built here) and a _static one
# naming a library that does not exist on Linux; write the one that fits:
# static archive, wolfSSL and libuv found through pkg-config (wolfssl.pc of
# the private prefix comes first on troupe's PKG_CONFIG_PATH), and the system
# libraries it linked against.
private_libs="-lz"
grep -q '^LWS_HAVE_LIBCAP:INTERNAL=1' CMakeCache.txt && private_libs+=" -lcap"
rm -f "$DEP_PREFIX"/lib/pkgconfig/libwebsockets*.pc
version=${DEP_VERSION#*:}; version=${version%-*}
cat >"$pc" <<EOF
prefix=$DEP_PREFIX
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: libwebsockets
Description: libwebsockets (Debian source $DEP_VERSION) on troupe's wolfSSL, with libuv
Version: $version
Requires.private: wolfssl libuv
Libs: -L\${libdir} -lwebsockets
Libs.private: $private_libs -lpthread -ldl -lm
Cflags: -I\${includedir}
EOF

# Link check through the .pc just written: a static program on lws, wolfSSL
# and libuv that must not pull in OpenSSL.
dep_log "link check"
cat >"$build/link-check.c" <<'EOF'
#include <libwebsockets.h>
#include <uv.h>
int main(void)
{
    struct lws_context_creation_info info = {0};
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.options = LWS_SERVER_OPTION_LIBUV;
    lws_set_log_level(0, NULL);
    struct lws_context *ctx = lws_create_context(&info);
    if (!ctx)
        return 1;
    lws_context_destroy(ctx);
    return wolfSSL_Init() == WOLFSSL_SUCCESS ? 0 : 1;
}
EOF
export PKG_CONFIG_PATH=$DEP_PREFIX/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
# shellcheck disable=SC2016
dep_run link-check sh -c \
    'cc -o "$1/link-check" "$1/link-check.c" -DWOLFSSL_OPTIONS_IGNORE_SYS $(pkg-config --cflags libwebsockets) \
        $(pkg-config --static --libs libwebsockets) && "$1/link-check"' sh "$build"
if ldd "$build/link-check" | grep -q -E 'libssl|libcrypto|libwebsockets|libwolfssl'; then
    ldd "$build/link-check" >&2
    dep_die "link check pulled in a shared TLS or websockets library"
fi

dep_stamp_write "$stamp_key" "$DEP_VERSION"
dep_log "done: libwebsockets $DEP_VERSION in $((SECONDS - t0)) s"
