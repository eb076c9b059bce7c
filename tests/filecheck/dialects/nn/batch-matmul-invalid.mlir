// RUN: stai-opt %s --split-input-file --verify-diagnostics | filecheck %s

// nn.batch_matmul checks its operands multiply and its result's shape.

// CHECK: nn.batch_matmul: operands (2, 3, 4) and (2, 5, 6) do not multiply (ranks 2 to 5, equal depths, broadcastable batch axes)
func.func @depth(%a: tensor<2x3x4xf32>, %b: tensor<2x5x6xf32>) -> tensor<2x3x6xf32> {
  %y = nn.batch_matmul %a, %b {adj_x = 0 : i64, adj_y = 0 : i64} : (tensor<2x3x4xf32>, tensor<2x5x6xf32>) -> tensor<2x3x6xf32>
  func.return %y : tensor<2x3x6xf32>
}

// -----

// CHECK: nn.batch_matmul: operands (2, 3, 4) and (3, 4, 5) do not multiply (ranks 2 to 5, equal depths, broadcastable batch axes)
func.func @batch(%a: tensor<2x3x4xf32>, %b: tensor<3x4x5xf32>) -> tensor<2x3x5xf32> {
  %y = nn.batch_matmul %a, %b {adj_x = 0 : i64, adj_y = 0 : i64} : (tensor<2x3x4xf32>, tensor<3x4x5xf32>) -> tensor<2x3x5xf32>
  func.return %y : tensor<2x3x5xf32>
}

// -----

// CHECK: nn.batch_matmul: the result must have shape (2, 3, 5), got (2, 4, 5)
func.func @result(%a: tensor<2x4x3xf32>, %b: tensor<2x4x5xf32>) -> tensor<2x4x5xf32> {
  %y = nn.batch_matmul %a, %b {adj_x = 1 : i64, adj_y = 0 : i64} : (tensor<2x4x3xf32>, tensor<2x4x5xf32>) -> tensor<2x4x5xf32>
  func.return %y : tensor<2x4x5xf32>
}

// -----

// CHECK: nn.batch_matmul: 'adj_y' must be 0 or 1
func.func @flag(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) -> tensor<3x5xf32> {
  %y = nn.batch_matmul %a, %b {adj_x = 0 : i64, adj_y = 2 : i64} : (tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
  func.return %y : tensor<3x5xf32>
}
