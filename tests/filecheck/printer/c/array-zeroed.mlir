// RUN: stai-translate %s | filecheck %s

// A zeroed array is a definition without an initialiser; without zeroed it is extern.

// CHECK:      extern const uint8_t weights_start[8];
// CHECK-EMPTY:
// CHECK-NEXT: static uint8_t arena_0[32] __attribute__((aligned(16)));
// CHECK-NEXT: int8_t scratch[6] __attribute__((section(".bss.fast")));
// CHECK-EMPTY:
// CHECK-NEXT: int use(void)
c.file "a.c" {
  c.array @weights_start : tensor<8xui8> {const}
  c.array @arena_0 : tensor<32xui8> {static, zeroed, alignment = 16 : i64}
  c.array @scratch : tensor<2x3xi8> {zeroed, section = ".bss.fast"}
  c.func @use() -> !c.type<"int"> {
    %0 = c.literal 0 : !c.type<"int">
    c.return %0 : !c.type<"int">
  }
}
