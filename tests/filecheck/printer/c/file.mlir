// RUN: stai-translate %s | filecheck %s

// A header with an include guard and a C++ linkage block; each file follows a header line.

// CHECK:      // ----- file: api.h
// CHECK-NEXT: #ifndef API_H
// CHECK-NEXT: #define API_H
// CHECK-EMPTY:
// CHECK-NEXT: #ifdef __cplusplus
// CHECK-NEXT: extern "C" {
// CHECK-NEXT: #endif
// CHECK-EMPTY:
// CHECK-NEXT: /* The API. */
// CHECK-NEXT: #include <stdint.h>
// CHECK-EMPTY:
// CHECK-NEXT: #ifdef __cplusplus
// CHECK-NEXT: }
// CHECK-NEXT: #endif
// CHECK-EMPTY:
// CHECK-NEXT: #endif /* API_H */
// CHECK-NEXT: // ----- file: plain.c
// CHECK-NEXT: #include "api.h"
// CHECK-NOT: {{.}}
c.file "api.h" guard "API_H" extern_c {
  c.comment "The API."
  c.include <"stdint.h">
}
c.file "plain.c" {
  c.include "api.h"
}
