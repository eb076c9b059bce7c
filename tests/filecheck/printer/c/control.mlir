// RUN: stai-translate %s | filecheck %s

// Scopes, early returns, and a switch of returns.

c.file "a.c" {
  // CHECK-LABEL: size_t size_of(int index)
  // CHECK-NEXT:  {
  // CHECK-NEXT:      switch (index) {
  // CHECK-NEXT:      case 0:
  // CHECK-NEXT:          return 490;
  // CHECK-NEXT:      case 1:
  // CHECK-NEXT:          return 12;
  // CHECK-NEXT:      default:
  // CHECK-NEXT:          return 0;
  // CHECK-NEXT:      }
  // CHECK-NEXT:  }
  c.func @size_of(%index: !c.type<"int">) -> !c.type<"size_t"> {
    %a = c.literal 490 : !c.type<"size_t">
    %b = c.literal 12 : !c.type<"size_t">
    %d = c.literal 0 : !c.type<"size_t">
    c.switch_return %index : !c.type<"int"> [0 : %a, 1 : %b] default %d : !c.type<"size_t">
  }
  // CHECK-LABEL: void blocks(int flag)
  // CHECK-NEXT:  {
  // CHECK-NEXT:      if (flag) {
  // CHECK-NEXT:          return;
  // CHECK-NEXT:      }
  // CHECK-NEXT:      {
  // CHECK-NEXT:          /* 0: first */
  // CHECK-NEXT:          const cmsis_nn_dims dims = {.n = 1, .h = 1, .w = 1, .c = 8};
  // CHECK-NEXT:          {
  // CHECK-NEXT:              use(&dims);
  // CHECK-NEXT:          }
  // CHECK-NEXT:      }
  // CHECK-NEXT:      return;
  // CHECK-NEXT:  }
  c.func @blocks(%flag: !c.type<"int">) {
    c.if_return %flag : !c.type<"int">
    c.scope {
      c.comment "0: first"
      %dims = c.struct {n = 1, h = 1, w = 1, c = 8} : !c.type<"cmsis_nn_dims">
      c.scope {
        %p = c.addr %dims : !c.type<"cmsis_nn_dims"> -> !c.type<"const cmsis_nn_dims *">
        c.call "use"(%p) : (!c.type<"const cmsis_nn_dims *">) -> ()
      }
    }
    c.return
  }
}
