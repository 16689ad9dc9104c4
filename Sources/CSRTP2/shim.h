#ifndef RTPRELAY_CSRTP2_SHIM_H
#define RTPRELAY_CSRTP2_SHIM_H
#include <srtp2/srtp.h>
/* SRTP_MAX_TRAILER_LEN is a macro Swift cannot import. */
static inline int rtprelay_srtp_max_trailer_len(void) { return SRTP_MAX_TRAILER_LEN; }
#endif
