// RUN: stai-translate %s | filecheck %s

// Consecutive includes form one paragraph; system headers use angle brackets.

// CHECK:      #include <stddef.h>
// CHECK-NEXT: #include "arm_nnfunctions.h"
// CHECK-NEXT: #include "sub/stai_kernels.h"
c.file "a.c" {
  c.include <"stddef.h">
  c.include "arm_nnfunctions.h"
  c.include "sub/stai_kernels.h"
}
