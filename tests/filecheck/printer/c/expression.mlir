// RUN: stai-translate %s | filecheck %s

// Expressions print inline: addresses, arena offsets, casts, operators (parenthesised
// when nested).

c.file "a.c" {
  c.global static @arena : !c.type<"uint8_t *"> = "NULL"
  // CHECK-LABEL: int check(void *p)
  c.func @check(%p: !c.type<"void *">) -> !c.type<"int"> {
    %null = c.literal "NULL" : !c.type<"void *">
    %is_null = c.binary "==" %p, %null : (!c.type<"void *">, !c.type<"void *">) -> !c.type<"int">
    %addr = c.cast %p : !c.type<"void *"> -> !c.type<"uintptr_t">
    %mask = c.literal 15 : !c.type<"uintptr_t">
    %low = c.binary "&" %addr, %mask : (!c.type<"uintptr_t">, !c.type<"uintptr_t">) -> !c.type<"uintptr_t">
    %zero = c.literal 0 : !c.type<"uintptr_t">
    %odd = c.binary "!=" %low, %zero : (!c.type<"uintptr_t">, !c.type<"uintptr_t">) -> !c.type<"int">
    %bad = c.binary "||" %is_null, %odd : (!c.type<"int">, !c.type<"int">) -> !c.type<"int">
    %one = c.literal 1 : !c.type<"int">
    // CHECK: if ((p == NULL) || (((uintptr_t)p & 15) != 0)) {
    // CHECK-NEXT: return 1;
    // CHECK-NEXT: }
    c.if_return %bad, %one : !c.type<"int">, !c.type<"int">
    %a = c.get_global @arena : !c.type<"uint8_t *">
    %x = c.offset_ptr %a[64] : !c.type<"uint8_t *"> -> !c.type<"int8_t *">
    %y = c.offset_ptr %a[0] : !c.type<"uint8_t *"> -> !c.type<"float *">
    // CHECK-NEXT: use((int8_t *)(arena + 64), (float *)arena);
    c.call "use"(%x, %y) : (!c.type<"int8_t *">, !c.type<"float *">) -> ()
    %r = c.literal 0 : !c.type<"int">
    // CHECK-NEXT: return 0;
    c.return %r : !c.type<"int">
  }
}
