/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stai's detection post-processing kernel (TFLite's custom operator
 * TFLite_Detection_PostProcess), float32, with TensorFlow Lite Micro's arithmetic: box
 * decoding against the anchors, the score threshold, then fast (one suppression over each
 * box's best classes) or regular (one per class) non-maximum suppression. No heap: every
 * temporary array lives in the caller's scratch buffer of
 * stai_detection_scratch_words(params) 4-byte words.
 */
#ifndef STAI_KERNELS_DETECTION_H
#define STAI_KERNELS_DETECTION_H

#include "arm_nn_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct
{
    int32_t num_boxes;                 /* N: boxes and anchors */
    int32_t box_stride;                /* values per box encoding (>= 4; the first 4 are read) */
    int32_t scores_per_box;            /* num_classes, or num_classes + 1 (a background first) */
    int32_t slots;                     /* D: detection slots of the outputs */
    int32_t num_classes;               /* classes, without the background */
    int32_t max_detections;            /* detections reported */
    int32_t max_classes_per_detection; /* fast suppression: classes reported per box */
    int32_t detections_per_class;      /* regular suppression: boxes kept per class */
    int32_t use_regular_nms;           /* 0: fast, 1: regular */
    float nms_score_threshold;         /* scores below are dropped */
    float nms_iou_threshold;           /* overlaps above are suppressed, in (0, 1] */
    float y_scale;                     /* box decoding scales */
    float x_scale;
    float h_scale;
    float w_scale;
} stai_detection_params_f32;

/* The 4-byte words of the scratch buffer stai_detection_postprocess_f32 needs (-1 for
 * parameters out of range). */
int64_t stai_detection_scratch_words(const stai_detection_params_f32 *params);

/*
 * boxes [N, box_stride] (centre y, centre x, h, w), scores [N, scores_per_box], anchors
 * [N, 4] (centre y, centre x, h, w). output: 6 * slots + 1 floats: the boxes [slots, 4]
 * (ymin, xmin, ymax, xmax), the classes [slots], the scores [slots] and the number of
 * detections. Slots the suppression does not fill are 0. Returns ARM_CMSIS_NN_ARG_ERROR
 * for a NULL pointer, parameters out of range, a scratch buffer smaller than
 * stai_detection_scratch_words(params) words, outputs too small for what TensorFlow Lite
 * Micro writes, or a decoded box of no height or width (TensorFlow Lite Micro's check).
 */
arm_cmsis_nn_status stai_detection_postprocess_f32(const stai_detection_params_f32 *params,
                                                   const float *boxes,
                                                   const float *scores,
                                                   const float *anchors,
                                                   float *output,
                                                   void *scratch,
                                                   int32_t scratch_bytes);

#ifdef __cplusplus
}
#endif

#endif /* STAI_KERNELS_DETECTION_H */
