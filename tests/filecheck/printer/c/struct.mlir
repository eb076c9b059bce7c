// RUN: stai-translate %s | filecheck %s

// Struct initialisers: designated fields, nesting, SSA values, one field a line when long.

c.file "a.c" {
  // CHECK-LABEL: void f(void)
  c.func @f() {
    %w = c.get_global array @w : !c.type<"const int32_t *">
    %wp = c.cast %w : !c.type<"const int32_t *"> -> !c.type<"int32_t *">
    // CHECK:      static const cmsis_nn_dims input_dims = {.n = 1, .h = 49, .w = 10, .c = 1};
    %input_dims = c.struct static {n = 1, h = 49, w = 10, c = 1} : !c.type<"cmsis_nn_dims">
    %filter_dims = c.struct static {n = 1, h = 1, w = 1, c = 1} : !c.type<"cmsis_nn_dims">
    // CHECK-NEXT: static const cmsis_nn_dims filter_dims = {.n = 1, .h = 1, .w = 1, .c = 1};
    // CHECK-NEXT: static const cmsis_nn_conv_params conv_params = {
    // CHECK-NEXT:     .input_offset = 128,
    // CHECK-NEXT:     .output_offset = -128,
    // CHECK-NEXT:     .stride = {.w = 2, .h = 2},
    // CHECK-NEXT:     .padding = {.w = 0, .h = 1},
    // CHECK-NEXT:     .dilation = {.w = 1, .h = 1},
    // CHECK-NEXT:     .activation = {.min = -128, .max = 127},
    // CHECK-NEXT: };
    %conv_params = c.struct static {input_offset = 128, output_offset = -128, stride = {w = 2, h = 2}, padding = {w = 0, h = 1}, dilation = {w = 1, h = 1}, activation = {min = -128, max = 127}} : !c.type<"cmsis_nn_conv_params">
    // CHECK-NEXT: static const q quant = {.multiplier = (int32_t *)w};
    %quant = c.struct static {multiplier = %wp} : (!c.type<"int32_t *">) -> !c.type<"q">
    // CHECK-NEXT: const stai_fc_params_f32 fc = {.act_min = -3.40282347e+38f, .act_max = 6.0f};
    %fc = c.struct {act_min = -3.4028234663852886e+38 : f32, act_max = 6.0 : f32} : !c.type<"stai_fc_params_f32">
    // CHECK-NEXT: const cmsis_nn_dims output_dims = {.n = 1, .h = 1, .w = 1, .c = 1};
    %output_dims = c.struct {n = 1, h = 1, w = 1, c = 1} : !c.type<"cmsis_nn_dims">
    %a = c.addr %input_dims : !c.type<"cmsis_nn_dims"> -> !c.type<"const cmsis_nn_dims *">
    %b = c.addr %filter_dims : !c.type<"cmsis_nn_dims"> -> !c.type<"const cmsis_nn_dims *">
    %c = c.addr %conv_params : !c.type<"cmsis_nn_conv_params"> -> !c.type<"const cmsis_nn_conv_params *">
    %d = c.addr %quant : !c.type<"q"> -> !c.type<"const q *">
    %e = c.addr %fc : !c.type<"stai_fc_params_f32"> -> !c.type<"const stai_fc_params_f32 *">
    %f = c.addr %output_dims : !c.type<"cmsis_nn_dims"> -> !c.type<"const cmsis_nn_dims *">
    // CHECK-NEXT: use(&input_dims, &filter_dims, &conv_params, &quant, &fc, &output_dims);
    c.call "use"(%a, %b, %c, %d, %e, %f) : (!c.type<"const cmsis_nn_dims *">, !c.type<"const cmsis_nn_dims *">, !c.type<"const cmsis_nn_conv_params *">, !c.type<"const q *">, !c.type<"const stai_fc_params_f32 *">, !c.type<"const cmsis_nn_dims *">) -> ()
  }
}
