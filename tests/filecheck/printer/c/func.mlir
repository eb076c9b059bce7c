// RUN: stai-translate %s | filecheck %s

// Prototypes (named or unnamed parameters, `void` for none) and definitions.

// CHECK:      int init(void *activations);
// CHECK-NEXT: void *input_ptr(int);
// CHECK-NEXT: int run(void);
// CHECK-NEXT: static size_t helper(int32_t a, float b);
c.file "a.h" {
  c.func @init(!c.type<"void *">) -> !c.type<"int"> attributes {arg_names = ["activations"]}
  c.func @input_ptr(!c.type<"int">) -> !c.type<"void *">
  c.func @run() -> !c.type<"int">
  c.func static @helper(i32, f32) -> index attributes {arg_names = ["a", "b"]}
}

c.file "a.c" {
  // CHECK-LABEL: static int32_t identity(int32_t value)
  // CHECK-NEXT:  {
  // CHECK-NEXT:      return value;
  // CHECK-NEXT:  }
  // CHECK-EMPTY:
  c.func static @identity(%value: i32) -> i32 {
    c.return %value : i32
  }
  // CHECK-NEXT:  void nothing(int32_t arg0, int32_t int_1)
  // CHECK-NEXT:  {
  // CHECK-NEXT:      return;
  // CHECK-NEXT:  }
  c.func @nothing(%0: i32, %int: i32) {
    c.return
  }
}
