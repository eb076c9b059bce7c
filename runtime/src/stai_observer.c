/* SPDX-License-Identifier: Apache-2.0 */
/* stai-provides: stai_observer_notify */
/* stai-requires: */
/* The observer's dispatch: one node's description from the generated tables, then the
 * application's callback. Compiled only with STAI_OBSERVER. */
#include "stai_observer.h"

#if defined(STAI_OBSERVER)

void stai_observer_notify(stai_observer_fn fn, void *user, stai_observer_event event,
                          int32_t node, const int32_t *rows, const float *scales,
                          const char *strings, void *data)
{
    stai_observer_node info;
    const int32_t *row = rows + (size_t)node * STAI_OBSERVER_ROW;
    int32_t i;
    if (fn == NULL)
    {
        return;
    }
    info.c_id = row[STAI_OBSERVER_COL_C_ID];
    info.m_id = row[STAI_OBSERVER_COL_M_ID];
    info.type_name = strings + row[STAI_OBSERVER_COL_TYPE_NAME];
    info.name = strings + row[STAI_OBSERVER_COL_NAME];
    info.data = data;
    info.size = (size_t)row[STAI_OBSERVER_COL_SIZE];
    info.type = (stai_tensor_type)row[STAI_OBSERVER_COL_TYPE];
    info.rank = row[STAI_OBSERVER_COL_RANK];
    for (i = 0; i < STAI_OBSERVER_MAX_RANK; i++)
    {
        info.shape[i] = row[STAI_OBSERVER_COL_SHAPE + i];
    }
    info.scale = scales[node];
    info.zero_point = row[STAI_OBSERVER_COL_ZERO_POINT];
    fn(user, event, &info);
}

#else

/* Without STAI_OBSERVER this file defines nothing (ISO C wants a declaration). */
typedef int stai_observer_disabled;

#endif
