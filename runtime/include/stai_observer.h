/* SPDX-License-Identifier: Apache-2.0 */
/* The observer API of stai's generated code: a callback the application registers, called
 * before and after every generated node with the node's index, type name and output buffer.
 *
 * A folder generated with `stai generate --observer` holds the hooks, each inside
 * `#if defined(STAI_OBSERVER)`: build with -DSTAI_OBSERVER to compile them in. Without the
 * macro the hooks, the node tables and this API are compiled out (no code, no data).
 */
#ifndef STAI_OBSERVER_H
#define STAI_OBSERVER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* When the callback is called: before the node runs, or after it wrote its output. */
typedef enum
{
    STAI_OBSERVER_BEFORE = 0,
    STAI_OBSERVER_AFTER = 1
} stai_observer_event;

/* The element type of a node's output (0: another, such as a one-byte bool). */
typedef enum
{
    STAI_TYPE_INT8 = 1,
    STAI_TYPE_INT16 = 2,
    STAI_TYPE_INT32 = 3,
    STAI_TYPE_FLOAT32 = 4,
    STAI_TYPE_UINT8 = 5 /* the requantization to a model's uint8 output */
} stai_tensor_type;

#define STAI_OBSERVER_MAX_RANK 6

/* One generated node and its output buffer, as the callback sees it. */
typedef struct
{
    int32_t c_id;          /* generated node index: 0, 1, ... in execution order */
    int32_t m_id;          /* index of the model operator it comes from (-1: none) */
    const char *type_name; /* the node's kind: "conv2d", "fully_connected", ... */
    const char *name;      /* the model's name of the output tensor ("" if none) */
    void *data;            /* the output buffer (valid until the next node runs) */
    size_t size;           /* its size in bytes */
    stai_tensor_type type; /* its element type */
    int32_t rank;
    int32_t shape[STAI_OBSERVER_MAX_RANK];
    float scale;        /* quantization: real = scale * (q - zero_point); 0 if float */
    int32_t zero_point;
} stai_observer_node;

/* The application's callback; `user` is the pointer given at registration. */
typedef void (*stai_observer_fn)(void *user, stai_observer_event event,
                                 const stai_observer_node *node);

/* The columns of one row of a network's node table (int32 values, one row per node). */
enum
{
    STAI_OBSERVER_COL_C_ID = 0,
    STAI_OBSERVER_COL_M_ID = 1,
    STAI_OBSERVER_COL_TYPE_NAME = 2, /* offset of the type name in the string table */
    STAI_OBSERVER_COL_NAME = 3,      /* offset of the tensor name in the string table */
    STAI_OBSERVER_COL_TYPE = 4,
    STAI_OBSERVER_COL_SIZE = 5,
    STAI_OBSERVER_COL_ZERO_POINT = 6,
    STAI_OBSERVER_COL_RANK = 7,
    STAI_OBSERVER_COL_SHAPE = 8,
    STAI_OBSERVER_ROW = STAI_OBSERVER_COL_SHAPE + STAI_OBSERVER_MAX_RANK
};

/* Called by the generated code: builds node `node`'s description from the network's tables
 * (`rows`: STAI_OBSERVER_ROW int32 per node, `scales`: one per node, `strings`: the names,
 * NUL-separated) and calls `fn` (nothing when `fn` is NULL). */
void stai_observer_notify(stai_observer_fn fn, void *user, stai_observer_event event,
                          int32_t node, const int32_t *rows, const float *scales,
                          const char *strings, void *data);

#ifdef __cplusplus
}
#endif

#endif /* STAI_OBSERVER_H */
