// RUN: stai-opt %s --split-input-file --verify-diagnostics | filecheck %s

// The boolean ops check their element types, predicates and broadcast shapes.

// CHECK: nn.compare: the result must hold i1 booleans
func.func @result_type(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %y = nn.compare %a, %b {predicate = "less"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %y : tensor<4xf32>
}

// -----

// CHECK: nn.compare: unknown predicate 'lt'
func.func @predicate(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xi1> {
  %y = nn.compare %a, %b {predicate = "lt"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  func.return %y : tensor<4xi1>
}

// -----

// CHECK: nn.compare: booleans compare only for (in)equality
func.func @bool_order(%a: tensor<4xi1>, %b: tensor<4xi1>) -> tensor<4xi1> {
  %y = nn.compare %a, %b {predicate = "greater"} : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  func.return %y : tensor<4xi1>
}

// -----

// CHECK: nn.compare: the operands' element types differ
func.func @mixed(%a: tensor<4xf32>, %b: tensor<4xi32>) -> tensor<4xi1> {
  %y = nn.compare %a, %b {predicate = "equal"} : (tensor<4xf32>, tensor<4xi32>) -> tensor<4xi1>
  func.return %y : tensor<4xi1>
}

// -----

// CHECK: nn.logical: result shape (2, 4) is not the broadcast shape (3, 4) of the operands
func.func @shape(%a: tensor<3x4xi1>, %b: tensor<1x4xi1>) -> tensor<2x4xi1> {
  %y = nn.logical %a, %b {function = "and"} : (tensor<3x4xi1>, tensor<1x4xi1>) -> tensor<2x4xi1>
  func.return %y : tensor<2x4xi1>
}

// -----

// CHECK: nn.select: the condition must hold i1 booleans
func.func @condition(%c: tensor<4xf32>, %x: tensor<4xf32>) -> tensor<4xf32> {
  %y = nn.select %c, %x, %x : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  func.return %y : tensor<4xf32>
}

// -----

// CHECK: nn.cast: input and result shapes differ
func.func @cast(%x: tensor<4xf32>) -> tensor<2xi32> {
  %y = nn.cast %x : (tensor<4xf32>) -> tensor<2xi32>
  func.return %y : tensor<2xi32>
}
