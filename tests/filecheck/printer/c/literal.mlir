// RUN: stai-translate %s | filecheck %s

// Literals print where they are used, spelled for their C type.

c.file "a.c" {
  // CHECK-LABEL: void f(void)
  c.func @f() {
    %i = c.literal -7 : i32
    %min = c.literal -2147483648 : i32
    %x = c.literal 0.1 : f32
    %one = c.literal 1.0 : f32
    %d = c.literal 0.1 : f64
    %inf = c.literal "INFINITY" : f32
    %null = c.literal "NULL" : !c.type<"void *">
    // CHECK: g(-7, (-2147483647 - 1), 0.100000001f, 1.0f, 0.10000000000000001, INFINITY, NULL);
    c.call "g"(%i, %min, %x, %one, %d, %inf, %null) : (i32, i32, f32, f32, f64, f32, !c.type<"void *">) -> ()
  }
}
