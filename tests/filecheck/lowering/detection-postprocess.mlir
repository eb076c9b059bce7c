// RUN: stai-opt %s -p convert-nn-to-qnn | filecheck %s --check-prefix=QNN
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf | filecheck %s --check-prefix=BUF
// RUN: stai-opt %s -p convert-nn-to-qnn,convert-qnn-to-buf,convert-buf-to-c | stai-translate | filecheck %s --check-prefix=C
//
// nn.detection_postprocess becomes qnn.detection_postprocess with the same options (float
// only). Its scratch holds the kernel's temporaries: 10 words per box and, in fast
// suppression, min(max_classes_per_detection, num_classes) class indices per box (here
// 6 boxes: 4 * (60 + 6 * 2) = 288 bytes). The C call passes the geometry and options in a
// stai_detection_params_f32, the three inputs, the packed output, the scratch and its size.

// QNN:      %d = qnn.detection_postprocess ins(%b, %s, %a : tensor<1x6x5xf32>, tensor<1x6x3xf32>, tensor<6x4xf32>)
// QNN-SAME: max_classes_per_detection = 2 : i64
// QNN-SAME: use_regular_nms = 0 : i64
// QNN-SAME: -> tensor<49xf32>

// BUF:      qnn.detection_postprocess ins(
// BUF-SAME: scratch(%{{.*}} : memref<288xi8>)

// C:      static const stai_detection_params_f32 detection_params = {
// C-NEXT:     .num_boxes = 6,
// C-NEXT:     .box_stride = 5,
// C-NEXT:     .scores_per_box = 3,
// C-NEXT:     .slots = 8,
// C-NEXT:     .num_classes = 2,
// C-NEXT:     .max_detections = 2,
// C-NEXT:     .max_classes_per_detection = 2,
// C-NEXT:     .detections_per_class = 100,
// C-NEXT:     .use_regular_nms = 0,
// C-NEXT:     .nms_score_threshold = 0.25f,
// C-NEXT:     .nms_iou_threshold = 0.5f,
// C-NEXT:     .y_scale = 10.0f,
// C-NEXT:     .x_scale = 10.0f,
// C-NEXT:     .h_scale = 5.0f,
// C-NEXT:     .w_scale = 5.0f,
// C-NEXT: };
// C:      if (stai_detection_postprocess_f32(&detection_params,
// C:          288) != ARM_CMSIS_NN_SUCCESS) {

func.func @main(%b: tensor<1x6x5xf32>, %s: tensor<1x6x3xf32>) -> tensor<49xf32> {
  %a = nn.constant dense<[[0.5, 0.5, 1.0, 1.0], [0.5, 0.5, 1.0, 1.0], [0.5, 0.5, 1.0, 1.0], [0.5, 10.5, 1.0, 1.0], [0.5, 10.5, 1.0, 1.0], [0.5, 100.5, 1.0, 1.0]]> : tensor<6x4xf32> -> tensor<6x4xf32>
  %d = nn.detection_postprocess %b, %s, %a {max_detections = 2 : i64, max_classes_per_detection = 2 : i64, detections_per_class = 100 : i64, use_regular_nms = 0 : i64, num_classes = 2 : i64, nms_score_threshold = 0.25 : f32, nms_iou_threshold = 0.5 : f32, y_scale = 10.0 : f32, x_scale = 10.0 : f32, h_scale = 5.0 : f32, w_scale = 5.0 : f32} : (tensor<1x6x5xf32>, tensor<1x6x3xf32>, tensor<6x4xf32>) -> tensor<49xf32>
  func.return %d : tensor<49xf32>
}
