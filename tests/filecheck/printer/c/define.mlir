// RUN: stai-translate %s | filecheck %s

// CHECK:      #define STAI_NET_ACTIVATIONS_SIZE 1024
// CHECK-NEXT: #define STAI_NET_MIN (-2147483647 - 1)
// CHECK-NEXT: #define STAI_NET_NEG -3
// CHECK-NEXT: #define STAI_NET_MASK (1u << 4)
c.file "a.h" {
  c.define "STAI_NET_ACTIVATIONS_SIZE" 1024
  c.define "STAI_NET_MIN" -2147483648
  c.define "STAI_NET_NEG" -3
  c.define "STAI_NET_MASK" "(1u << 4)"
}
