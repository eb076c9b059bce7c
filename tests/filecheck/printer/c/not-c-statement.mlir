// RUN: not stai-translate %s 2>&1 | filecheck %s

// A non-c op inside a function is a hard error too.

// CHECK: stai-translate: error: C printer: cannot print 'arith.constant' in a function
c.file "a.c" {
  c.func @f() {
    %0 = arith.constant 0 : i32
  }
}
