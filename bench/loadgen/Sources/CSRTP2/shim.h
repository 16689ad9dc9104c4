/* libsrtp2 (Debian libsrtp2-dev) for the load generator's SRTP phones. */
#include <srtp2/srtp.h>
