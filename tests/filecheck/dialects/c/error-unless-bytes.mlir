// RUN: stai-opt %s | filecheck %s
// RUN: stai-opt %s --print-op-generic | stai-opt | filecheck %s

// A compile-time check, a comment of several lines, and a binary file.

// CHECK: c.file "network_target.h" guard "STAI_NETWORK_TARGET_H" {
c.file "network_target.h" guard "STAI_NETWORK_TARGET_H" {
  // CHECK-NEXT: c.comment "Generated for cortex-m4.\0ACompile with\0A-mcpu=cortex-m4"
  c.comment "Generated for cortex-m4.\0ACompile with\0A-mcpu=cortex-m4"
  // CHECK-NEXT: c.error_unless "defined(__ARM_FP) && (__ARM_FP & 4)" "network needs a single-precision FPU: compile with -mfpu=fpv4-sp-d16"
  c.error_unless "defined(__ARM_FP) && (__ARM_FP & 4)" "network needs a single-precision FPU: compile with -mfpu=fpv4-sp-d16"
}

// CHECK: c.file "network_weights.bin" {
// CHECK-NEXT: c.bytes dense<[1, 2, 255, 0]> : tensor<4xui8>
c.file "network_weights.bin" {
  c.bytes dense<[1, 2, 255, 0]> : tensor<4xui8>
}
