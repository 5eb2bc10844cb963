/* ChaCha20-Poly1305 (RFC 8439) for the data path, from the system's OpenSSL (libcrypto.so.3), in place.
 *
 * Why OpenSSL and not sodium-native, which the rest of the crypto uses: libsodium's ChaCha20-Poly1305 runs two
 * passes in portable C (about 1.9 us for a 1420-byte packet on the benchmark VM) where OpenSSL's is one pass of
 * AVX2/AVX-512 assembly (about 0.55 us, `openssl speed -evp chacha20-poly1305`); the AEAD was half of the
 * helper's CPU under load (test/bench/RESULTS.md). Why not write it here: a well-kept library with assembly for
 * every x86 and ARM generation beats anything hand-written in this file.
 *
 * Why dlopen and not -lcrypto: the helper runs inside Node (which exports its own statically linked OpenSSL) in
 * development and inside Electron (BoringSSL) when installed. Linked normally, this file's EVP_* references
 * would bind to whichever the executable exports first, possibly a different library than the one whose
 * EVP_chacha20_poly1305 they pair with. dlopen with RTLD_DEEPBIND and dlsym on that handle bind every call, and
 * libcrypto's calls to itself, to the one library. When it cannot be loaded the JS side keeps sodium-native
 * (crypto/index.ts), so a machine without libssl3 is slower, never broken.
 *
 * The JS thread alone calls these (one context for sealing, one for opening): no locking. Keys pass per call
 * (32 bytes); each context keeps the last one (and this file a copy, to know when it changes) until aeadForget,
 * which the engine calls whenever it wipes keypairs (a rotation, down, suspend): key material does not outlive
 * the keypair it came from. */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "napi-util.h"

/* The few OpenSSL 3 entry points used, declared here so that building needs no OpenSSL headers; their ABI is
 * fixed for libcrypto.so.3. */
typedef struct evp_cipher_ctx EVP_CIPHER_CTX;
typedef struct evp_cipher EVP_CIPHER;
#define EVP_CTRL_AEAD_GET_TAG 0x10
#define EVP_CTRL_AEAD_SET_TAG 0x11
#define TAG_LEN 16
#define KEY_LEN 32

static struct {
  bool tried;
  char error[200];
  const char *version;
  EVP_CIPHER_CTX *seal;
  EVP_CIPHER_CTX *open;
  /* The key each context holds: a packet under the same key (nearly every one) sets only its nonce. */
  uint8_t seal_key[KEY_LEN];
  uint8_t open_key[KEY_LEN];
  bool seal_keyed;
  bool open_keyed;
  bool avx;
  const EVP_CIPHER *(*cipher)(void);
  EVP_CIPHER_CTX *(*ctx_new)(void);
  int (*init)(EVP_CIPHER_CTX *, const EVP_CIPHER *, void *, const unsigned char *, const unsigned char *, int);
  int (*update)(EVP_CIPHER_CTX *, unsigned char *, int *, const unsigned char *, int);
  int (*final)(EVP_CIPHER_CTX *, unsigned char *, int *);
  int (*ctrl)(EVP_CIPHER_CTX *, int, int, void *);
} lib;

static bool load(void) {
  if (lib.tried) return lib.seal != NULL;
  lib.tried = true;
  void *h = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (h == NULL) {
    snprintf(lib.error, sizeof lib.error, "%s", dlerror());
    return false;
  }
  const char *(*version)(int) = (const char *(*)(int))dlsym(h, "OpenSSL_version");
  lib.cipher = (const EVP_CIPHER *(*)(void))dlsym(h, "EVP_chacha20_poly1305");
  lib.ctx_new = (EVP_CIPHER_CTX * (*)(void)) dlsym(h, "EVP_CIPHER_CTX_new");
  *(void **)&lib.init = dlsym(h, "EVP_CipherInit_ex");
  *(void **)&lib.update = dlsym(h, "EVP_CipherUpdate");
  *(void **)&lib.final = dlsym(h, "EVP_CipherFinal_ex");
  *(void **)&lib.ctrl = dlsym(h, "EVP_CIPHER_CTX_ctrl");
  if (!version || !lib.cipher || !lib.ctx_new || !lib.init || !lib.update || !lib.final || !lib.ctrl) {
    snprintf(lib.error, sizeof lib.error, "libcrypto.so.3 lacks an EVP entry point");
    return false;
  }
  EVP_CIPHER_CTX *seal = lib.ctx_new(), *open = lib.ctx_new();
  const EVP_CIPHER *cipher = lib.cipher();
  /* The cipher is bound once; each packet then sets only its key and nonce. */
  if (!seal || !open || !cipher || lib.init(seal, cipher, NULL, NULL, NULL, 1) != 1 ||
      lib.init(open, cipher, NULL, NULL, NULL, 0) != 1) {
    snprintf(lib.error, sizeof lib.error, "libcrypto.so.3 has no usable ChaCha20-Poly1305");
    return false;
  }
#if defined(__x86_64__)
  lib.avx = __builtin_cpu_supports("avx");
#endif
  lib.version = version(0);
  lib.seal = seal;
  lib.open = open;
  return true;
}

/* libcrypto's ChaCha20-Poly1305 can return with the upper halves of the vector registers dirty (seen with
 * OpenSSL 3.0's AVX-512 code). While they are, legacy-SSE instructions (gcc's SSE2 code in this addon, much of
 * Node's and glibc's) pay for merging into the wider registers: in the helper under TCP load, the TUN segments'
 * checksum took about 500 cycles for 1400 bytes, against 70 in a loop of its own and 130 with this. vzeroupper
 * is what compilers emit after AVX code for the same reason; it needs AVX, which any CPU whose registers
 * libcrypto dirtied has. test/bench/RESULTS.md has the figures. */
static inline void clean_upper_state(void) {
#if defined(__x86_64__)
  if (lib.avx) __asm__ volatile("vzeroupper" ::: "memory");
#endif
}

/* WireGuard's nonce: 4 zero bytes, then the counter as a little-endian u64. */
static void nonce_of(uint64_t counter, unsigned char nonce[12]) {
  memset(nonce, 0, 4);
  for (int i = 0; i < 8; i++) nonce[4 + i] = (unsigned char)(counter >> (8 * i));
}

/* The arguments both calls share: buf, off, len, key (32 bytes), counter (an integer below 2^53). */
typedef struct aead_args {
  uint8_t *region;
  uint32_t len;
  const uint8_t *key;
  unsigned char nonce[12];
} aead_args;

static bool parse(napi_env env, napi_callback_info info, uint32_t room, aead_args *a) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5) {
    wio_throw_type_error(env, "expected (buffer, offset, length, key, counter)");
    return false;
  }
  wio_view buf, key;
  uint32_t off, len;
  double counter = -1;
  if (!wio_arg_view(env, argv[0], napi_uint8_array, &buf, "buffer") || !wio_arg_u32(env, argv[1], &off, "offset") ||
      !wio_arg_u32(env, argv[2], &len, "length") || !wio_arg_view(env, argv[3], napi_uint8_array, &key, "key")) {
    return false;
  }
  napi_get_value_double(env, argv[4], &counter);
  if (!(counter >= 0 && counter <= 9007199254740991.0) || counter != (double)(uint64_t)counter) {
    wio_throw_type_error(env, "counter must be an integer from 0 to 2^53 - 1");
    return false;
  }
  if (key.length != KEY_LEN) {
    wio_throw_type_error(env, "key must be 32 bytes");
    return false;
  }
  if ((uint64_t)off + len + room > buf.length || len > INT32_MAX - TAG_LEN) {
    wio_throw_type_error(env, "the region lies outside the buffer");
    return false;
  }
  if (!load()) {
    wio_throw_errno(env, ENOSYS, "dlopen", lib.error);
    return false;
  }
  a->region = (uint8_t *)buf.data + off;
  a->len = len;
  a->key = key.data;
  nonce_of((uint64_t)counter, a->nonce);
  return true;
}

/* NULL when the context already holds `key` (then init sets the nonce alone), else `key`, remembered. */
static const uint8_t *same_key(uint8_t held[KEY_LEN], bool *keyed, const uint8_t *key) {
  if (*keyed && memcmp(held, key, KEY_LEN) == 0) return NULL;
  memcpy(held, key, KEY_LEN);
  *keyed = true;
  return key;
}

/* chachaSeal(buffer, offset, length, key, counter): seals buffer[offset, offset + length) in place and writes
 * the tag after it (the buffer must have 16 bytes of room there). */
static napi_value chacha_seal(napi_env env, napi_callback_info info) {
  aead_args a;
  if (!parse(env, info, TAG_LEN, &a)) return NULL;
  int n = 0, f = 0;
  bool ok = lib.init(lib.seal, NULL, NULL, same_key(lib.seal_key, &lib.seal_keyed, a.key), a.nonce, 1) == 1 &&
            lib.update(lib.seal, a.region, &n, a.region, (int)a.len) == 1 &&
            lib.final(lib.seal, a.region + n, &f) == 1 &&
            lib.ctrl(lib.seal, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, a.region + a.len) == 1;
  clean_upper_state();
  if (!ok) wio_throw_errno(env, EIO, "EVP_CipherUpdate", "ChaCha20-Poly1305 seal");
  return NULL;
}

/* chachaOpen(buffer, offset, length, key, counter) -> boolean: length counts ciphertext and tag; opens in place,
 * the plaintext (length - 16 bytes) at offset. false for a forgery or a region shorter than a tag (its bytes
 * are then unspecified). */
static napi_value chacha_open(napi_env env, napi_callback_info info) {
  aead_args a;
  if (!parse(env, info, 0, &a)) return NULL;
  napi_value result;
  bool ok = false;
  if (a.len >= TAG_LEN) {
    uint32_t plain = a.len - TAG_LEN;
    int n = 0, f = 0;
    /* The tag is read before the plaintext is written: in place, the two regions do not overlap anyway. */
    ok = lib.init(lib.open, NULL, NULL, same_key(lib.open_key, &lib.open_keyed, a.key), a.nonce, 0) == 1 &&
         lib.ctrl(lib.open, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, a.region + plain) == 1 &&
         lib.update(lib.open, a.region, &n, a.region, (int)plain) == 1 && lib.final(lib.open, a.region + n, &f) == 1;
  }
  clean_upper_state();
  napi_get_boolean(env, ok, &result);
  return result;
}

/* aeadForget(): the contexts keyed with zeros and the copies wiped. */
static napi_value aead_forget(napi_env env, napi_callback_info info) {
  (void)info;
  if (!lib.seal) return NULL; /* never loaded: nothing held */
  static const uint8_t zero_key[KEY_LEN];
  static const unsigned char zero_nonce[12];
  explicit_bzero(lib.seal_key, KEY_LEN);
  explicit_bzero(lib.open_key, KEY_LEN);
  lib.seal_keyed = false;
  lib.open_keyed = false;
  if (lib.init(lib.seal, NULL, NULL, zero_key, zero_nonce, 1) != 1 ||
      lib.init(lib.open, NULL, NULL, zero_key, zero_nonce, 0) != 1) {
    wio_throw_errno(env, EIO, "EVP_CipherInit_ex", "ChaCha20-Poly1305 forget");
  }
  return NULL;
}

/* aeadHoldsKey() -> whether either context holds a key since the last aeadForget (for tests). */
static napi_value aead_holds_key(napi_env env, napi_callback_info info) {
  (void)info;
  return wio_bool(env, lib.seal_keyed || lib.open_keyed);
}

/* aeadBackend() -> what seals and opens (OpenSSL's version line); throws when libcrypto.so.3 cannot serve. */
static napi_value aead_backend(napi_env env, napi_callback_info info) {
  (void)info;
  if (!load()) {
    wio_throw_errno(env, ENOSYS, "dlopen", lib.error);
    return NULL;
  }
  return wio_string(env, lib.version);
}

void wio_register_aead(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"chachaSeal", NULL, chacha_seal, NULL, NULL, NULL, napi_enumerable, NULL},
      {"chachaOpen", NULL, chacha_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"aeadBackend", NULL, aead_backend, NULL, NULL, NULL, napi_enumerable, NULL},
      {"aeadForget", NULL, aead_forget, NULL, NULL, NULL, napi_enumerable, NULL},
      {"aeadHoldsKey", NULL, aead_holds_key, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
