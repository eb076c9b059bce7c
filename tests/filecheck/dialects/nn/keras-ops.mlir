// RUN: stai-opt %s | stai-opt | filecheck %s
//
// The nn ops of the Keras frontend print and parse back.

// CHECK:      nn.swish %x : (tensor<1x4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT: nn.hard_sigmoid %{{.*}} {alpha = 0.166666672 : f32, beta = 5.000000e-01 : f32} : (tensor<1x4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT: nn.constant
// CHECK-NEXT: nn.prelu %{{.*}}, %{{.*}} : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
// CHECK:      nn.lstm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {return_sequences = 1 : i64} : (tensor<1x2x2xf32>, tensor<4x2xf32>, tensor<4x1xf32>, tensor<4xf32>) -> tensor<1x2x1xf32>
func.func @main(%x: tensor<1x4xf32>) -> (tensor<1x4xf32>, tensor<1x2x1xf32>) {
  %s = nn.swish %x : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %h = nn.hard_sigmoid %s {alpha = 0.16666667 : f32, beta = 0.5 : f32} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %a = nn.constant dense<0.5> : tensor<4xf32> -> tensor<4xf32>
  %p = nn.prelu %h, %a : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  %r = nn.reshape %p : (tensor<1x4xf32>) -> tensor<1x2x2xf32>
  %w = nn.constant dense<0.5> : tensor<4x2xf32> -> tensor<4x2xf32>
  %u = nn.constant dense<0.5> : tensor<4x1xf32> -> tensor<4x1xf32>
  %b = nn.constant dense<0.0> : tensor<4xf32> -> tensor<4xf32>
  %l = nn.lstm %r, %w, %u, %b {return_sequences = 1 : i64} : (tensor<1x2x2xf32>, tensor<4x2xf32>, tensor<4x1xf32>, tensor<4xf32>) -> tensor<1x2x1xf32>
  func.return %p, %l : tensor<1x4xf32>, tensor<1x2x1xf32>
}
