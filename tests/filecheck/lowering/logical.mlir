// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C
//
// The boolean ops: an int8 comparison carries TFLite Micro's (offset, multiplier, shift)
// of each input (its own scale as a Q31 multiplier); booleans are i1, one byte each (C's
// bool); select copies elements of any size; cast names both element types by code.

// QNN:      %lt = qnn.compare ins(%a, %b : tensor<1x4x6xi8>, tensor<1x1x6xi8>) {predicate = "less", quant = array<i32: -3, 1073741824, -1, 5, 1073741824, -2>} -> tensor<1x4x6xi1>
// QNN-NEXT: %gt = qnn.compare ins(%f, %g : tensor<1x4x6xf32>, tensor<1x4x6xf32>) {predicate = "greater_equal"} -> tensor<1x4x6xi1>
// QNN-NEXT: %both = qnn.logical ins(%lt, %gt : tensor<1x4x6xi1>, tensor<1x4x6xi1>) {function = "and"} -> tensor<1x4x6xi1>
// QNN-NEXT: %neg = qnn.logical ins(%both : tensor<1x4x6xi1>) {function = "not"} -> tensor<1x4x6xi1>
// QNN-NEXT: %sel = qnn.select ins(%neg, %f, %g : tensor<1x4x6xi1>, tensor<1x4x6xf32>, tensor<1x4x6xf32>) -> tensor<1x4x6xf32>
// QNN-NEXT: %asf = qnn.cast ins(%neg : tensor<1x4x6xi1>) -> tensor<1x4x6xf32>
// QNN-NEXT: %mod = qnn.floor_mod ins(%sel, %asf : tensor<1x4x6xf32>, tensor<1x4x6xf32>) -> tensor<1x4x6xf32>

// C:      if (stai_compare_s8(2,
// C:          (int8_t *)
// C:          (bool *)
// C:          -3,
// C-NEXT:     1073741824,
// C-NEXT:     -1,
// C-NEXT:     5,
// C-NEXT:     1073741824,
// C-NEXT:     -2) != ARM_CMSIS_NN_SUCCESS) {
// C:      if (stai_compare_f32(5,
// C:      if (stai_logical_and(&input1_dims,
// C:      if (stai_logical_not((bool *)
// C-NEXT:     (bool *)
// C-NEXT:     24) != ARM_CMSIS_NN_SUCCESS) {
// C:      if (stai_select(&condition_dims,
// C:          4) != ARM_CMSIS_NN_SUCCESS) {
// C:      if (stai_cast((bool *)
// C-NEXT:     5,
// C-NEXT:     (float *)
// C-NEXT:     0,
// C-NEXT:     24) != ARM_CMSIS_NN_SUCCESS) {
// C:      if (stai_floor_mod_f32(&input1_dims,

func.func @main(%a: tensor<1x4x6x!nn.q<i8, 0.25 : 3>>, %b: tensor<1x1x6x!nn.q<i8, 0.125 : -5>>, %f: tensor<1x4x6xf32>, %g: tensor<1x4x6xf32>) -> (tensor<1x4x6xf32>, tensor<1x4x6xi1>) {
  %lt = nn.compare %a, %b {predicate = "less"} : (tensor<1x4x6x!nn.q<i8, 0.25 : 3>>, tensor<1x1x6x!nn.q<i8, 0.125 : -5>>) -> tensor<1x4x6xi1>
  %gt = nn.compare %f, %g {predicate = "greater_equal"} : (tensor<1x4x6xf32>, tensor<1x4x6xf32>) -> tensor<1x4x6xi1>
  %both = nn.logical %lt, %gt {function = "and"} : (tensor<1x4x6xi1>, tensor<1x4x6xi1>) -> tensor<1x4x6xi1>
  %neg = nn.logical_not %both : (tensor<1x4x6xi1>) -> tensor<1x4x6xi1>
  %sel = nn.select %neg, %f, %g : (tensor<1x4x6xi1>, tensor<1x4x6xf32>, tensor<1x4x6xf32>) -> tensor<1x4x6xf32>
  %asf = nn.cast %neg : (tensor<1x4x6xi1>) -> tensor<1x4x6xf32>
  %mod = nn.floor_mod %sel, %asf : (tensor<1x4x6xf32>, tensor<1x4x6xf32>) -> tensor<1x4x6xf32>
  func.return %mod, %neg : tensor<1x4x6xf32>, tensor<1x4x6xi1>
}
