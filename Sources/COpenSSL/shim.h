#ifndef RTPRELAY_COPENSSL_SHIM_H
#define RTPRELAY_COPENSSL_SHIM_H
/* SHA1_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP_MD, but an EVP_MD_CTX copy
 * (what HMAC re-keying does) allocates, while a SHA_CTX is a plain struct that can be copied on the
 * stack: SRTP's HMAC-SHA1 runs from precomputed inner/outer states with no allocation per packet. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

/* Function-like macros and macro-valued constants Swift does not import. */
static inline int rtprelay_evp_ctrl_gcm_set_tag(void) { return EVP_CTRL_GCM_SET_TAG; }
static inline int rtprelay_evp_ctrl_gcm_get_tag(void) { return EVP_CTRL_GCM_GET_TAG; }
#endif
