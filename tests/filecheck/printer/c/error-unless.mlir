// RUN: stai-translate %s | filecheck %s

// c.error_unless prints #if !(condition) / #error "message" / #endif at column 0; checks
// in a row share a paragraph. A comment of several lines is one C comment whose next lines
// are indented under its text.

// CHECK:      // ----- file: network_target.h
// CHECK-NEXT: #ifndef STAI_NETWORK_TARGET_H
// CHECK-NEXT: #define STAI_NETWORK_TARGET_H
// CHECK-EMPTY:
// CHECK-NEXT: /* Generated for cortex-m4.
// CHECK-NEXT:    Compile with
// CHECK-NEXT:    -mcpu=cortex-m4 */
// CHECK-NEXT: #define STAI_NETWORK_TARGET "cortex-m4"
// CHECK-EMPTY:
// CHECK-NEXT: #if !(defined(__ARM_PCS_VFP))
// CHECK-NEXT: #error "network needs the hard-float ABI: compile with -mfloat-abi=hard"
// CHECK-NEXT: #endif
// CHECK-NEXT: #if !(defined(__ARM_FP) && (__ARM_FP & 4))
// CHECK-NEXT: #error "network needs a single-precision FPU: compile with -mfpu=fpv4-sp-d16"
// CHECK-NEXT: #endif
// CHECK-EMPTY:
// CHECK-NEXT: #endif /* STAI_NETWORK_TARGET_H */
c.file "network_target.h" guard "STAI_NETWORK_TARGET_H" {
  c.comment "Generated for cortex-m4.\0ACompile with\0A-mcpu=cortex-m4"
  c.define "STAI_NETWORK_TARGET" "\"cortex-m4\""
  c.error_unless "defined(__ARM_PCS_VFP)" "network needs the hard-float ABI: compile with -mfloat-abi=hard"
  c.error_unless "defined(__ARM_FP) && (__ARM_FP & 4)" "network needs a single-precision FPU: compile with -mfpu=fpv4-sp-d16"
}

// A binary file is not C: only its name and size are listed.
// CHECK:      // ----- file: network_weights.bin (4 bytes of binary data)
// CHECK-NOT:  {{.}}
c.file "network_weights.bin" {
  c.bytes dense<[1, 2, 255, 0]> : tensor<4xui8>
}
