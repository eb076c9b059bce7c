/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_detection_postprocess_f32 stai_detection_scratch_words */
/* stai-requires: */
/* SSD detection post-processing (box decoding, score threshold, non-maximum suppression),
 * float32, as TensorFlow Lite Micro's TFLite_Detection_PostProcess. */
#include "stai_kernels_detection.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

typedef struct
{
    float ymin;
    float xmin;
    float ymax;
    float xmax;
} corner_box;

/* The temporary arrays, carved out of the scratch buffer. */
typedef struct
{
    corner_box *decoded; /* N decoded boxes */
    float *row_scores;   /* N: one class's scores, or each box's best score */
    int32_t *keep;       /* N: boxes at or above the score threshold, in box order */
    int32_t *order;      /* N: positions in keep, best score first */
    int32_t *merge;      /* N: the merge sort's buffer */
    int32_t *selected;   /* N: boxes the suppression keeps */
    int32_t *active;     /* N: candidates not suppressed yet */
    int32_t *top;        /* fast: N * K class indices, best first */
    int32_t *list_box;   /* regular: L candidates (box * scores_per_box + class column) */
    float *list_score;   /* regular: their scores */
    int32_t *next_box;   /* regular: the next list */
    float *next_score;
} work_arrays;

/* A product kept apart from the addition that follows it (no fused multiply-add), as
 * TensorFlow Lite Micro's reference build rounds it. */
static double kept_double(double value)
{
    volatile double kept = value;
    return kept;
}

static float kept_float(float value)
{
    volatile float kept = value;
    return kept;
}

static int32_t min_i32(int32_t a, int32_t b)
{
    return a < b ? a : b;
}

static int32_t classes_per_box(const stai_detection_params_f32 *p)
{
    return min_i32(p->max_classes_per_detection, p->num_classes);
}

static int params_bad(const stai_detection_params_f32 *p)
{
    const int32_t offset = p->scores_per_box - p->num_classes;
    if (p->num_boxes < 1 || p->box_stride < 4 || p->num_classes < 1 || (offset != 0 && offset != 1))
    {
        return 1;
    }
    if (p->max_detections < 0 || p->slots < 0 || !(p->nms_iou_threshold > 0.0f && p->nms_iou_threshold <= 1.0f))
    {
        return 1;
    }
    if (p->use_regular_nms)
    {
        return p->detections_per_class < 1 || p->use_regular_nms != 1;
    }
    return p->max_classes_per_detection < 1;
}

int64_t stai_detection_scratch_words(const stai_detection_params_f32 *params)
{
    if (params == NULL || params_bad(params))
    {
        return -1;
    }
    const int64_t n = params->num_boxes;
    int64_t words = 10 * n;
    if (params->use_regular_nms)
    {
        words += 4 * ((int64_t)params->max_detections + min_i32(params->num_boxes, params->detections_per_class));
    }
    else
    {
        words += n * classes_per_box(params);
    }
    return words;
}

/* Whether every value TensorFlow Lite Micro writes lies inside the outputs' slots. */
static int outputs_fit(const stai_detection_params_f32 *p)
{
    if (p->use_regular_nms)
    {
        return p->max_detections <= p->slots;
    }
    const int64_t boxes = min_i32(p->max_detections, p->num_boxes);
    const int64_t k = classes_per_box(p);
    return boxes * k * k <= p->slots;
}

static void carve(const stai_detection_params_f32 *p, void *scratch, work_arrays *w)
{
    const size_t n = (size_t)p->num_boxes;
    int32_t *words = (int32_t *)scratch;
    w->decoded = (corner_box *)(void *)words;
    words += 4 * n;
    w->row_scores = (float *)(void *)words;
    words += n;
    w->keep = words;
    words += n;
    w->order = words;
    words += n;
    w->merge = words;
    words += n;
    w->selected = words;
    words += n;
    w->active = words;
    words += n;
    w->top = words;
    w->list_box = words;
    if (p->use_regular_nms)
    {
        const size_t l = (size_t)p->max_detections + (size_t)min_i32(p->num_boxes, p->detections_per_class);
        w->list_score = (float *)(void *)(words + l);
        w->next_box = words + 2 * l;
        w->next_score = (float *)(void *)(words + 3 * l);
    }
    else
    {
        w->list_score = NULL;
        w->next_box = NULL;
        w->next_score = NULL;
    }
}

/* Centre-size encodings to corners: the centre in double precision, the half sizes from
 * exp in double precision, each rounded to float as TensorFlow Lite Micro does. */
static void decode_boxes(const stai_detection_params_f32 *p, const float *boxes, const float *anchors, corner_box *out)
{
    for (int32_t i = 0; i < p->num_boxes; ++i)
    {
        const float *e = boxes + (size_t)i * (size_t)p->box_stride;
        const float *a = anchors + (size_t)i * 4;
        const float ycenter =
            (float)(kept_double((double)e[0] / (double)p->y_scale * (double)a[2]) + (double)a[0]);
        const float xcenter =
            (float)(kept_double((double)e[1] / (double)p->x_scale * (double)a[3]) + (double)a[1]);
        const float half_h = (float)(0.5 * exp((double)e[2] / (double)p->h_scale) * (double)a[2]);
        const float half_w = (float)(0.5 * exp((double)e[3] / (double)p->w_scale) * (double)a[3]);
        out[i].ymin = ycenter - half_h;
        out[i].xmin = xcenter - half_w;
        out[i].ymax = ycenter + half_h;
        out[i].xmax = xcenter + half_w;
    }
}

static int boxes_valid(const corner_box *boxes, int32_t n)
{
    for (int32_t i = 0; i < n; ++i)
    {
        if (boxes[i].ymin >= boxes[i].ymax || boxes[i].xmin >= boxes[i].xmax)
        {
            return 0;
        }
    }
    return 1;
}

static float max_f(float a, float b)
{
    return a < b ? b : a;
}

static float min_f(float a, float b)
{
    return b < a ? b : a;
}

static float intersection_over_union(const corner_box *bi, const corner_box *bj)
{
    const float area_i = kept_float((bi->ymax - bi->ymin) * (bi->xmax - bi->xmin));
    const float area_j = kept_float((bj->ymax - bj->ymin) * (bj->xmax - bj->xmin));
    if (area_i <= 0.0f || area_j <= 0.0f)
    {
        return 0.0f;
    }
    const float ymin = max_f(bi->ymin, bj->ymin);
    const float xmin = max_f(bi->xmin, bj->xmin);
    const float ymax = min_f(bi->ymax, bj->ymax);
    const float xmax = min_f(bi->xmax, bj->xmax);
    const float inter = kept_float(max_f(ymax - ymin, 0.0f) * max_f(xmax - xmin, 0.0f));
    return inter / (area_i + area_j - inter);
}

/* Whether value a (index ia) comes before value b (index ib): the higher value first, the
 * lower index on equal values. */
static int comes_first(float a, int32_t ia, float b, int32_t ib)
{
    return a > b || (!(b > a) && ia < ib);
}

/* order[0..count) = the positions 0..count-1 of keep, sorted by score (best first, the
 * earlier position on equal scores): a bottom-up merge sort. */
static void sort_kept(const float *scores, const int32_t *keep, int32_t count, int32_t *order, int32_t *merge)
{
    for (int32_t i = 0; i < count; ++i)
    {
        order[i] = i;
    }
    for (int32_t width = 1; width < count; width *= 2)
    {
        for (int32_t lo = 0; lo < count; lo += 2 * width)
        {
            const int32_t mid = min_i32(lo + width, count);
            const int32_t hi = min_i32(lo + 2 * width, count);
            int32_t l = lo, r = mid, out = lo;
            while (l < mid || r < hi)
            {
                int take_right = 0;
                if (l >= mid)
                {
                    take_right = 1;
                }
                else if (r < hi)
                {
                    take_right = comes_first(scores[keep[order[r]]], order[r], scores[keep[order[l]]], order[l]);
                }
                merge[out++] = take_right ? order[r++] : order[l++];
            }
        }
        memcpy(order, merge, (size_t)count * sizeof(int32_t));
    }
}

/* Single-class non-maximum suppression of scores[0..N): the boxes it keeps, best first,
 * at most max_out, in w->selected; returns their count. */
static int32_t suppress(const stai_detection_params_f32 *p, const float *scores, int32_t max_out, work_arrays *w)
{
    int32_t kept = 0;
    for (int32_t i = 0; i < p->num_boxes; ++i)
    {
        if (scores[i] >= p->nms_score_threshold)
        {
            w->keep[kept++] = i;
        }
    }
    sort_kept(scores, w->keep, kept, w->order, w->merge);
    const int32_t output_size = min_i32(kept, max_out);
    int32_t count = 0;
    int32_t active = kept;
    for (int32_t i = 0; i < kept; ++i)
    {
        w->active[i] = 1;
    }
    for (int32_t i = 0; i < kept; ++i)
    {
        if (active == 0 || count >= output_size)
        {
            break;
        }
        if (!w->active[i])
        {
            continue;
        }
        const int32_t box = w->keep[w->order[i]];
        w->selected[count++] = box;
        w->active[i] = 0;
        active--;
        for (int32_t j = i + 1; j < kept; ++j)
        {
            if (w->active[j])
            {
                const float iou = intersection_over_union(&w->decoded[box], &w->decoded[w->keep[w->order[j]]]);
                if (iou > p->nms_iou_threshold)
                {
                    w->active[j] = 0;
                    active--;
                }
            }
        }
    }
    return count;
}

static void write_detection(const stai_detection_params_f32 *p,
                            float *output,
                            int32_t slot,
                            const corner_box *box,
                            float label,
                            float score)
{
    float *corners = output + (size_t)slot * 4;
    corners[0] = box->ymin;
    corners[1] = box->xmin;
    corners[2] = box->ymax;
    corners[3] = box->xmax;
    output[(size_t)p->slots * 4 + (size_t)slot] = label;
    output[(size_t)p->slots * 5 + (size_t)slot] = score;
}

/* Fast suppression: each box's best classes (the lower class on equal scores), one
 * suppression over the boxes' best scores, then classes_per_box detections per box kept
 * at TensorFlow Lite Micro's slots (K * n + column, n counting every detection written). */
static int32_t fast_nms(const stai_detection_params_f32 *p, const float *scores, float *output, work_arrays *w)
{
    const int32_t k = classes_per_box(p);
    const int32_t offset = p->scores_per_box - p->num_classes;
    for (int32_t row = 0; row < p->num_boxes; ++row)
    {
        const float *box_scores = scores + (size_t)row * (size_t)p->scores_per_box + offset;
        int32_t *top = w->top + (size_t)row * (size_t)k;
        for (int32_t rank = 0; rank < k; ++rank)
        {
            int32_t best = -1;
            for (int32_t c = 0; c < p->num_classes; ++c)
            {
                if (rank > 0 && !comes_first(box_scores[top[rank - 1]], top[rank - 1], box_scores[c], c))
                {
                    continue;
                }
                if (best < 0 || comes_first(box_scores[c], c, box_scores[best], best))
                {
                    best = c;
                }
            }
            top[rank] = best;
        }
        w->row_scores[row] = box_scores[top[0]];
    }
    const int32_t count = suppress(p, w->row_scores, p->max_detections, w);
    int32_t written = 0;
    for (int32_t i = 0; i < count; ++i)
    {
        const int32_t box = w->selected[i];
        const float *box_scores = scores + (size_t)box * (size_t)p->scores_per_box + offset;
        const int32_t *top = w->top + (size_t)box * (size_t)k;
        for (int32_t col = 0; col < k; ++col)
        {
            const int32_t slot = k * written + col;
            write_detection(p, output, slot, &w->decoded[box], (float)top[col], box_scores[top[col]]);
            written++;
        }
    }
    return written;
}

/* Regular suppression: one per class, the selections merged into the running list of the
 * best max_detections (higher score first; on equal scores the earlier list entry, then
 * the class's own order). */
static int32_t regular_nms(const stai_detection_params_f32 *p, const float *scores, float *output, work_arrays *w)
{
    const int32_t offset = p->scores_per_box - p->num_classes;
    int32_t size = 0;
    for (int32_t col = 0; col < p->num_classes; ++col)
    {
        for (int32_t row = 0; row < p->num_boxes; ++row)
        {
            w->row_scores[row] = scores[(size_t)row * (size_t)p->scores_per_box + (size_t)(col + offset)];
        }
        const int32_t count = suppress(p, w->row_scores, p->detections_per_class, w);
        const int32_t total = min_i32(size + count, p->max_detections);
        int32_t l = 0, r = 0;
        for (int32_t out = 0; out < total; ++out)
        {
            int take_right = 0;
            if (l >= size)
            {
                take_right = 1;
            }
            else if (r < count)
            {
                take_right = w->row_scores[w->selected[r]] > w->list_score[l];
            }
            if (take_right)
            {
                const int32_t box = w->selected[r++];
                w->next_box[out] = box * p->scores_per_box + col + offset;
                w->next_score[out] = w->row_scores[box];
            }
            else
            {
                w->next_box[out] = w->list_box[l];
                w->next_score[out] = w->list_score[l];
                l++;
            }
        }
        memcpy(w->list_box, w->next_box, (size_t)total * sizeof(int32_t));
        memcpy(w->list_score, w->next_score, (size_t)total * sizeof(float));
        size = total;
    }
    for (int32_t slot = 0; slot < size; ++slot)
    {
        const int32_t box = w->list_box[slot] / p->scores_per_box;
        const int32_t label = w->list_box[slot] - box * p->scores_per_box - offset;
        write_detection(p, output, slot, &w->decoded[box], (float)label, w->list_score[slot]);
    }
    return size;
}

arm_cmsis_nn_status stai_detection_postprocess_f32(const stai_detection_params_f32 *params,
                                                   const float *boxes,
                                                   const float *scores,
                                                   const float *anchors,
                                                   float *output,
                                                   void *scratch,
                                                   int32_t scratch_bytes)
{
    if (params == NULL || boxes == NULL || scores == NULL || anchors == NULL || output == NULL || scratch == NULL)
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int64_t words = stai_detection_scratch_words(params);
    if (words < 0 || scratch_bytes < 0 || (int64_t)scratch_bytes < 4 * words || !outputs_fit(params))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    work_arrays w;
    carve(params, scratch, &w);
    memset(output, 0, ((size_t)params->slots * 6 + 1) * sizeof(float));
    decode_boxes(params, boxes, anchors, w.decoded);
    if (!boxes_valid(w.decoded, params->num_boxes))
    {
        return ARM_CMSIS_NN_ARG_ERROR;
    }
    const int32_t count =
        params->use_regular_nms ? regular_nms(params, scores, output, &w) : fast_nms(params, scores, output, &w);
    output[(size_t)params->slots * 6] = (float)count;
    return ARM_CMSIS_NN_SUCCESS;
}
