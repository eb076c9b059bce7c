// RUN: stai-opt %s --split-input-file --verify-diagnostics | filecheck %s

c.file "bad name.c" {
  c.include "x.h"
}
// CHECK: Operation does not verify: c.file: bad file name 'bad name.c'

// -----

c.file "a.c" {
  %0 = c.literal 1 : i32
}
// CHECK: Operation does not verify: c.file: 'c.literal' cannot appear at file level

// -----

c.file "a.h" {
  c.define "NOT-AN-IDENTIFIER" 1
}
// CHECK: Operation does not verify: c.define: 'NOT-AN-IDENTIFIER' is not a C identifier

// -----

c.file "a.h" {
  c.comment "ends */ early"
}
// CHECK: Operation does not verify: c.comment: the text must not hold '*/' or a carriage return

// -----

c.file "a.c" {
  c.array @w : tensor<2xi8> {const} = dense<[1, 2, 3]> : tensor<3xi8>
}
// CHECK: Operation does not verify: c.array: value of type tensor<3xi8> does not match tensor<2xi8>

// -----

c.file "a.c" {
  c.array @w : tensor<2xi8> {static}
}
// CHECK: Operation does not verify: c.array: a static array needs a value

// -----

c.file "a.c" {
  c.array @w : tensor<2xi8> {alignment = 12 : i64} = dense<1> : tensor<2xi8>
}
// CHECK: Operation does not verify: c.array: alignment must be a power of two

// -----

c.file "a.c" {
  c.array @w : tensor<2xi4> = dense<1> : tensor<2xi4>
}
// CHECK: Operation does not verify: c.array: unsupported element type i4

// -----

c.file "a.c" {
  c.global @g : !c.type<"int8_t[]"> = 0
}
// CHECK: c.type: bad C type spelling 'int8_t[]'

// -----

c.file "a.c" {
  c.func @f() -> !c.type<"int"> {
    %0 = c.literal 0 : !c.type<"int">
  }
}
// CHECK: Operation does not verify: c.func: a function with a result must end with a return

// -----

c.file "a.c" {
  c.func @f() -> !c.type<"int"> {
    %0 = c.literal 0 : !c.type<"size_t">
    c.return %0 : !c.type<"size_t">
  }
}
// CHECK: Operation does not verify: c.return: returns !c.type<"size_t"> from a function returning !c.type<"int">

// -----

c.file "a.h" {
  c.func @f(!c.type<"int">) attributes {arg_names = ["a", "b"]}
}
// CHECK: Operation does not verify: c.func: one name per parameter expected in 'arg_names'

// -----

c.file "a.c" {
  c.func @f() {
    %0 = c.literal 1.5 : f32
    %1 = c.addr %0 : f32 -> !c.type<"float *">
  }
}
// CHECK: Operation does not verify: c.addr: the operand must be a named object

// -----

c.file "a.c" {
  c.func @f() {
    %a = c.get_global @a : !c.type<"int32_t *">
    %p = c.offset_ptr %a[4] : !c.type<"int32_t *"> -> !c.type<"int8_t *">
  }
}
// CHECK: Operation does not verify: c.offset_ptr: the base must be a byte pointer

// -----

c.file "a.c" {
  c.func @f() {
    %a = c.get_global @a : !c.type<"uint8_t *">
    %s = c.struct static {buf = %a} : (!c.type<"uint8_t *">) -> !c.type<"cmsis_nn_context">
  }
}
// CHECK: Operation does not verify: c.struct: a static struct can only hold constant expressions

// -----

c.file "a.c" {
  c.func @f() {
    %0 = c.literal 1 : i32
    %1 = c.binary "**" %0, %0 : (i32, i32) -> i32
  }
}
// CHECK: Operation does not verify: c.binary: unknown operator '**'

// -----

c.file "a.c" {
  c.func @f() -> i32 {
    c.call "g"() {ok = "ARM_CMSIS_NN_SUCCESS"} : () -> ()
    %0 = c.literal 0 : i32
    c.return %0 : i32
  }
}
// CHECK: Operation does not verify: c.call: 'ok' and 'error_return' go together

// -----

c.file "a.c" {
  c.func @f() {
    c.call "g"() {ok = 0, error_return = 1} : () -> ()
  }
}
// CHECK: Operation does not verify: c.call: a checked call returns a value from its function

// -----

c.file "a.c" {
  c.func @f(%i: i32) -> i32 {
    %0 = c.literal 0 : i32
    c.switch_return %i : i32 [0 : %0, 0 : %0] default %0 : i32
  }
}
// CHECK: Operation does not verify: c.switch_return: duplicate case

// -----

c.file "a.c" {
  c.func @f() {
    c.return
    c.comment "unreachable"
  }
}
// CHECK: Operation does not verify: 'c.return' must be the last operation in its parent block

// -----

c.file "a.h" {
  c.error_unless "" "needs a core"
}
// CHECK: Operation does not verify: c.error_unless: the condition must be one non-empty line

// -----

c.file "a.h" {
  c.error_unless "defined(__ARM_FP)" "needs \"an\" FPU"
}
// CHECK: Operation does not verify: c.error_unless: the message must be one line without a double quote or a backslash

// -----

c.file "a.bin" {
  c.bytes dense<[1, 2]> : tensor<2xui8>
  c.comment "not alone"
}
// CHECK: Operation does not verify: c.file: a binary file holds one c.bytes and no guard

// -----

c.file "a.bin" {
  c.bytes dense<[1, 2]> : tensor<2xi32>
}
// CHECK: Operation does not verify: c.bytes: the value must be a 1-D tensor of i8 or ui8

// -----

c.file "a.c" {
  c.func @f() {
    c.bytes dense<[1]> : tensor<1xui8>
    c.return
  }
}
// CHECK: Operation does not verify: c.bytes: it must be the contents of a c.file
