/* wolfssl_bench: AES-128-GCM encryption throughput of whichever wolfSSL it is
 * built against, so the optimized build from tools/deps/wolfssl.sh can be
 * compared with the distribution's libwolfssl.  Not part of libtroupe.
 *
 *   P=build/deps/prefix
 *   cc -O2 -I$P/include tools/deps/wolfssl_bench.c $P/lib/libwolfssl.a -lm -lpthread -o wolfssl_bench_opt
 *   cc -O2 tools/deps/wolfssl_bench.c -lwolfssl -o wolfssl_bench_sys
 *   ./wolfssl_bench_opt [-s record-size ...] [-z seconds-per-size]
 *
 * One line per record size: bytes per second of GCM encryption (with tag) of
 * records of that size, as a TLS record layer would do it: one call per
 * record, a fresh IV each time.
 */
#include <wolfssl/options.h>
#include <wolfssl/version.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { MAX_SIZES = 8, MAX_RECORD = 1 << 20 };
/* Bounds every run by count as well as by time. */
static const uint64_t max_records = 50000000;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench_size(Aes *aes, size_t size, double seconds)
{
    static byte in[MAX_RECORD], out[MAX_RECORD];
    byte iv[12] = {0}, tag[16];
    uint64_t records = 0;

    memset(in, 0xa5, size);
    double start = now_s(), elapsed = 0;
    while (records < max_records) {
        /* A record number in the IV, as TLS 1.3 derives its nonces. */
        memcpy(iv + 4, &records, sizeof records);
        int rc = wc_AesGcmEncrypt(aes, out, in, (word32)size, iv, sizeof iv,
                                  tag, sizeof tag, NULL, 0);
        if (rc != 0) {
            fprintf(stderr, "wc_AesGcmEncrypt: %s (%d)\n", wc_GetErrorString(rc), rc);
            return -1;
        }
        records++;
        /* Checking the clock every record would cost more than 32-byte GCM. */
        if ((records & 255) == 0 && (elapsed = now_s() - start) >= seconds)
            break;
    }
    if (elapsed <= 0)
        elapsed = now_s() - start;
    double mbps = (double)records * (double)size / elapsed / 1e6;
    printf("AES-128-GCM encrypt %7zu B records: %10.1f MB/s  (%llu records in %.3f s)\n",
           size, mbps, (unsigned long long)records, elapsed);
    return 0;
}

static void usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [-s record-size]... [-z seconds-per-size]\n", argv0);
}

int main(int argc, char **argv)
{
    size_t sizes[MAX_SIZES];
    int nsizes = 0, opt;
    double seconds = 1.0;

    while ((opt = getopt(argc, argv, "s:z:h")) != -1) {
        char *end;
        if (opt == 's' && nsizes < MAX_SIZES) {
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || v == 0 || v > MAX_RECORD) {
                fprintf(stderr, "bad size '%s' (1..%d)\n", optarg, MAX_RECORD);
                return 2;
            }
            sizes[nsizes++] = v;
        } else if (opt == 'z') {
            seconds = strtod(optarg, &end);
            if (*end || seconds <= 0 || seconds > 60) {
                fprintf(stderr, "bad seconds '%s' (0..60]\n", optarg);
                return 2;
            }
        } else {
            usage(argv[0]);
            return opt == 'h' ? 0 : 2;
        }
    }
    if (nsizes == 0) {
        sizes[nsizes++] = 16384;
        sizes[nsizes++] = 32;
    }

    const byte key[16] = "troupe-bench-key";
    Aes aes;
    int rc = wc_AesInit(&aes, NULL, INVALID_DEVID);
    if (rc == 0)
        rc = wc_AesGcmSetKey(&aes, key, sizeof key);
    if (rc != 0) {
        fprintf(stderr, "AES-GCM key setup: %s (%d)\n", wc_GetErrorString(rc), rc);
        return 1;
    }
    printf("wolfSSL %s, built %s AES-NI\n", LIBWOLFSSL_VERSION_STRING,
#ifdef WOLFSSL_AESNI
           "with"
#else
           "without"
#endif
    );
    for (int i = 0; i < nsizes; i++)
        if (bench_size(&aes, sizes[i], seconds) != 0)
            return 1;
    wc_AesFree(&aes);
    return 0;
}
