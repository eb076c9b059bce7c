// RUN: stai-translate %s | filecheck %s
// RUN: stai-opt %s | filecheck %s --check-prefix=IR

// c.if_defined at file level and in a function: #if defined(M) ... #endif at column 0.

// IR: c.if_defined "STAI_OBSERVER" {
// CHECK:      #if defined(STAI_OBSERVER)
// CHECK-NEXT: #include "stai_observer.h"
// CHECK-EMPTY:
// CHECK-NEXT: static int calls = 0;
// CHECK-NEXT: #endif /* STAI_OBSERVER */
c.file "a.c" {
  c.if_defined "STAI_OBSERVER" {
    c.include "stai_observer.h"
    c.global static @calls : !c.type<"int"> = 0 : i64
  }
  // CHECK-LABEL: int run(void)
  // CHECK-NEXT:  {
  // CHECK-NEXT:  #if defined(STAI_OBSERVER)
  // CHECK-NEXT:      note(1);
  // CHECK-NEXT:  #endif /* STAI_OBSERVER */
  // CHECK-NEXT:      return 0;
  // CHECK-NEXT:  }
  c.func @run() -> !c.type<"int"> {
    c.if_defined "STAI_OBSERVER" {
      %one = c.literal 1 : !c.type<"int">
      c.call "note"(%one) : (!c.type<"int">) -> ()
    }
    %zero = c.literal 0 : !c.type<"int">
    c.return %zero : !c.type<"int">
  }
}

