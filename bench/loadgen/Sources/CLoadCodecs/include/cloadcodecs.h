#ifndef LOADGEN_CLOADCODECS_H
#define LOADGEN_CLOADCODECS_H
/* Encoders for the transcoding mode's phone B: it sends real Opus / G.729 payloads, encoded once at start.
 * libopus' ctl calls are variadic macros, so the encoder set-up lives in C. */
#include <stdint.h>

/* Encodes `frames` 20 ms frames of 8 kHz mono PCM (160 samples each) with libopus (VoIP, complexity
 * `complexity`, automatic bitrate). Payload i goes to out + i * stride, its length to lengths[i].
 * Returns 0, or a negative libopus error code. */
int loadgen_encode_opus(const int16_t *pcm, int frames, int complexity, uint8_t *out, int stride, int *lengths);

/* Same with bcg729 (no VAD): two 10-byte G.729 frames per 20 ms payload. Returns 0, or -1 if the encoder
 * cannot be created or stride is under 20. */
int loadgen_encode_g729(const int16_t *pcm, int frames, uint8_t *out, int stride, int *lengths);
#endif
