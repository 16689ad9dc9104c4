#ifndef RTPRELAY_CBCG729_SHIM_H
#define RTPRELAY_CBCG729_SHIM_H
#include <stdint.h>
#include <bcg729/encoder.h>
#include <bcg729/decoder.h>
#endif
