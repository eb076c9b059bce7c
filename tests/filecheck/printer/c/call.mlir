// RUN: stai-translate %s | filecheck %s

// Calls: plain, with a result kept in a variable, checked (return on error), and
// wrapped one argument a line when long.

c.file "a.c" {
  // CHECK-LABEL: int run(void)
  c.func @run() -> !c.type<"int"> {
    %n = c.literal 12 : i32
    // CHECK: arm_softmax_s8(12);
    c.call "arm_softmax_s8"(%n) : (i32) -> ()
    // CHECK-NEXT: int32_t size = get_size(12);
    %size = c.call "get_size"(%n) : (i32) -> i32
    // CHECK-NEXT: unused(12);
    %unused = c.call "unused"(%n) : (i32) -> i32
    // CHECK-NEXT: if (kernel(size) != ARM_CMSIS_NN_SUCCESS) {
    // CHECK-NEXT:     return 3;
    // CHECK-NEXT: }
    c.call "kernel"(%size) {ok = "ARM_CMSIS_NN_SUCCESS", error_return = 3 : i64} : (i32) -> ()
    %a = c.literal 100000 : i32
    // CHECK-NEXT: if (a_kernel_with_a_long_name(100000,
    // CHECK-NEXT:                               100000,
    // CHECK:                                    100000) != 0) {
    // CHECK-NEXT:     return -1;
    // CHECK-NEXT: }
    c.call "a_kernel_with_a_long_name"(%a, %a, %a, %a, %a, %a, %a, %a, %a, %a) {ok = 0 : i64, error_return = -1 : i64} : (i32, i32, i32, i32, i32, i32, i32, i32, i32, i32) -> ()
    %z = c.literal 0 : !c.type<"int">
    c.return %z : !c.type<"int">
  }
}
