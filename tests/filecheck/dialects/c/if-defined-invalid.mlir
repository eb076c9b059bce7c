// RUN: stai-opt %s --split-input-file --verify-diagnostics | filecheck %s

c.file "a.c" {
  c.if_defined "M-1" {
    c.include "x.h"
  }
}
// CHECK: Operation does not verify: c.if_defined: 'M-1' is not a C identifier

// -----

c.file "a.c" {
  c.if_defined "M" {
    c.call "f"() : () -> ()
  }
}
// CHECK: Operation does not verify: c.if_defined: 'c.call' cannot appear at file level

// -----

c.file "a.c" {
  c.func @f() -> !c.type<"int"> {
    %zero = c.literal 0 : !c.type<"int">
    c.if_defined "M" {
      c.return %zero : !c.type<"int">
    }
  }
}
// CHECK: c.if_defined: a function cannot end inside it
