// RUN: stai-translate %s | filecheck %s

// Definitions print their values flat; declarations are extern; long arrays wrap.

// CHECK: extern const int8_t w_decl[4];
// CHECK-NEXT: extern const float f_decl[3];
// CHECK-EMPTY:
// CHECK-NEXT: const int8_t w[4] __attribute__((aligned(16), section(".weights"))) = {1, -2, 127, -128};
// CHECK-EMPTY:
// CHECK-NEXT: static const int32_t m[3] = {1073741824, (-2147483647 - 1), 2147483647};
// CHECK-EMPTY:
// CHECK-NEXT: const float f[3] = {0.100000001f, -2.0f, 1.00000001e-10f};
// CHECK-EMPTY:
// CHECK-NEXT: int16_t mutable_table[2] = {-300, 300};
// CHECK-EMPTY:
// CHECK-NEXT: const uint8_t splat[20] = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
// CHECK-EMPTY:
// CHECK-NEXT: const int8_t long_array[40] = {
// CHECK-NEXT:     0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
// CHECK-NEXT:     16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
// CHECK-NEXT:     32, 33, 34, 35, 36, 37, 38, 39,
// CHECK-NEXT: };
// CHECK-EMPTY:
// CHECK-NEXT: const double d[2] = {0.10000000000000001, 3.0};
c.file "a.c" {
  c.array @w_decl : tensor<2x2xi8> {const}
  c.array @f_decl : memref<3xf32> {const}
  c.array @w : tensor<2x2xi8> {const, alignment = 16 : i64, section = ".weights"} = dense<[[1, -2], [127, -128]]> : tensor<2x2xi8>
  c.array @m : tensor<3xi32> {const, static} = dense<[1073741824, -2147483648, 2147483647]> : tensor<3xi32>
  c.array @f : memref<3xf32> {const} = dense<[0.1, -2.0, 1.0e-10]> : memref<3xf32>
  c.array @mutable_table : tensor<2xi16> = dense<[-300, 300]> : tensor<2xi16>
  c.array @splat : tensor<20xui8> {const} = dense<7> : tensor<20xui8>
  c.array @long_array : tensor<40xi8> {const} = dense<[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39]> : tensor<40xi8>
  c.array @d : tensor<2xf64> {const} = dense<[0.1, 3.0]> : tensor<2xf64>
}
