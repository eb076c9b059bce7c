// RUN: stai-translate %s | filecheck %s

// Globals, and reading and assigning them in a function.

// CHECK:      static uint8_t *arena = NULL;
// CHECK-NEXT: int32_t counter = 0;
// CHECK-NEXT: static float gain;
c.file "a.c" {
  c.global static @arena : !c.type<"uint8_t *"> = "NULL"
  c.global @counter : i32 = 0 : i64
  c.global static @gain : f32
  // CHECK-LABEL: void bind(void *p)
  // CHECK-NEXT:  {
  // CHECK-NEXT:      arena = (uint8_t *)p;
  // CHECK-NEXT:      counter = counter;
  // CHECK-NEXT:  }
  c.func @bind(%p: !c.type<"void *">) {
    %b = c.cast %p : !c.type<"void *"> -> !c.type<"uint8_t *">
    c.assign_global @arena = %b : !c.type<"uint8_t *">
    %c = c.get_global @counter : i32
    c.assign_global @counter = %c : i32
  }
}
