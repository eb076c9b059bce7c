// RUN: stai-translate %s | filecheck %s
// RUN: stai-opt %s | stai-opt | filecheck %s --check-prefix=IR

// A local variable, a counted loop and element reads (c.local, c.assign, c.for, c.index):
// the sum of n bytes, and a read through a cast pointer (parenthesised).

c.file "a.c" {
  // CHECK-LABEL: static uint32_t sum(const uint8_t *data, uint32_t n)
  // CHECK-NEXT: {
  // CHECK-NEXT:     uint32_t total = 0;
  // CHECK-NEXT:     for (uint32_t i = 0; i < n; i++) {
  // CHECK-NEXT:         total = total + data[i];
  // CHECK-NEXT:     }
  // CHECK-NEXT:     return total;
  // CHECK-NEXT: }
  c.func static @sum(%data: !c.type<"const uint8_t *">, %n: !c.type<"uint32_t">) -> !c.type<"uint32_t"> {
    %zero = c.literal 0 : !c.type<"uint32_t">
    %total = c.local %zero : !c.type<"uint32_t"> -> !c.type<"uint32_t">
    c.for %n : !c.type<"uint32_t"> {
    ^bb0(%i : !c.type<"uint32_t">):
      %b = c.index %data[%i] : (!c.type<"const uint8_t *">, !c.type<"uint32_t">) -> !c.type<"uint8_t">
      %s = c.binary "+" %total, %b : (!c.type<"uint32_t">, !c.type<"uint8_t">) -> !c.type<"uint32_t">
      c.assign %total = %s : !c.type<"uint32_t">, !c.type<"uint32_t">
    }
    c.return %total : !c.type<"uint32_t">
  }
  // CHECK-LABEL: int32_t third(const void *p)
  // CHECK: return ((const int32_t *)p)[3];
  c.func @third(%p: !c.type<"const void *">) -> !c.type<"int32_t"> {
    %q = c.cast %p : !c.type<"const void *"> -> !c.type<"const int32_t *">
    %three = c.literal 3 : !c.type<"int">
    %v = c.index %q[%three] : (!c.type<"const int32_t *">, !c.type<"int">) -> !c.type<"int32_t">
    c.return %v : !c.type<"int32_t">
  }
}

// IR: %total = c.local %zero : !c.type<"uint32_t"> -> !c.type<"uint32_t">
// IR: c.for %n : !c.type<"uint32_t"> {
// IR: c.index %data[%i]
// IR: c.assign %total = %
