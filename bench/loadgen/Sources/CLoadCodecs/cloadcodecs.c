#include "cloadcodecs.h"
#include <stddef.h>
#include <opus/opus.h>
#include <bcg729/encoder.h>

int loadgen_encode_opus(const int16_t *pcm, int frames, int complexity, uint8_t *out, int stride, int *lengths) {
    int err = 0;
    OpusEncoder *encoder = opus_encoder_create(8000, 1, OPUS_APPLICATION_VOIP, &err);
    if (encoder == NULL || err != OPUS_OK) return err != OPUS_OK ? err : OPUS_ALLOC_FAIL;
    int status = opus_encoder_ctl(encoder, OPUS_SET_COMPLEXITY(complexity));
    if (status == OPUS_OK) status = opus_encoder_ctl(encoder, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
    for (int i = 0; status == OPUS_OK && i < frames; i++) {
        opus_int32 n = opus_encode(encoder, pcm + i * 160, 160, out + (long)i * stride, stride);
        if (n < 0) status = n; else lengths[i] = n;
    }
    opus_encoder_destroy(encoder);
    return status == OPUS_OK ? 0 : status;
}

int loadgen_encode_g729(const int16_t *pcm, int frames, uint8_t *out, int stride, int *lengths) {
    if (stride < 20) return -1;
    bcg729EncoderChannelContextStruct *encoder = initBcg729EncoderChannel(0);
    if (encoder == NULL) return -1;
    for (int i = 0; i < frames; i++) {
        uint8_t first = 0, second = 0;
        bcg729Encoder(encoder, pcm + i * 160, out + (long)i * stride, &first);
        bcg729Encoder(encoder, pcm + i * 160 + 80, out + (long)i * stride + first, &second);
        lengths[i] = first + second;
    }
    closeBcg729EncoderChannel(encoder);
    return 0;
}
