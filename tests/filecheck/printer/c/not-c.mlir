// RUN: not stai-translate %s 2>&1 | filecheck %s

// Only c ops are printable: anything else must be lowered first.

// CHECK: stai-translate: error: C printer: cannot print 'func.func' at module level: only c ops are printable (lower the module with convert-buf-to-c first)
func.func @main() {
  func.return
}

