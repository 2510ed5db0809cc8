/*===- ModelABI.h - The C ABI of models compiled by onnx-mlc -------------===*\
 *
 * The one definition of the C ABI: the tensor descriptor, the element type
 * and status codes, and the ABI version. The compiler's mlc-emit-c-abi pass
 * includes it for the codes; every generated model header embeds it; the
 * Python runtime asks the compiled library for its version and messages.
 *
 * A compiled model exports, with its symbol prefix P (default "mlc"):
 *
 *   int32_t P_run(const mlc_tensor *inputs, int64_t num_inputs,
 *                 mlc_tensor *outputs, int64_t num_outputs);
 *   void P_free(void *data);
 *   int32_t P_abi_version(void);
 *   const char *P_status_message(int32_t status);
 *   int32_t P_num_inputs(void), P_num_outputs(void);
 *   const char *P_input_name(int32_t i);        (and P_output_...)
 *   int32_t P_input_dtype(int32_t i);
 *   int32_t P_input_rank(int32_t i);
 *   const int64_t *P_input_shape(int32_t i);    -1 for a dynamic size
 *   const char *P_input_dim_name(int32_t i, int32_t d);
 *                                               the ONNX dim_param, or ""
 *   void P_set_num_threads(int32_t n);          below 1: the default
 *   int32_t P_num_threads(void);
 *   int64_t P_workspace_size(void);             bytes, see below
 *
 * Inputs: `data` and `shape` are the caller's; every size must match the
 * signature where it is static, and sizes with one dim_param must agree.
 *
 * Outputs: `shape` points to `rank` int64s. If `data` is NULL the library
 * allocates the buffer, stores it in `data` and the actual sizes in
 * `shape`; the caller releases it with P_free. Otherwise `data` is the
 * caller's buffer and `shape` must hold the output's actual sizes.
 *
 * Data is dense and row-major; booleans are one byte, 0 or 1. Several
 * threads may call the library at once. Its state between calls is a
 * thread pool and a workspace. The pool has MLC_NUM_THREADS threads, or by
 * default one per CPU in the process's affinity mask, the caller's
 * included; it starts at the first parallel loop and is joined when the
 * library is unloaded. A call made while another thread's call holds the
 * pool runs on the calling thread alone. The workspace holds a call's
 * intermediate buffers of static size, laid out once by their lifetimes
 * (P_workspace_size bytes); the block of the last call is kept for the
 * next, and a call that finds it in use allocates its own.
\*===----------------------------------------------------------------------===*/
#ifndef MLC_MODEL_ABI_H
#define MLC_MODEL_ABI_H

#include <stdint.h>

#define MLC_ABI_VERSION 3

#ifndef MLC_TENSOR_DEFINED
#define MLC_TENSOR_DEFINED
typedef struct mlc_tensor {
  void *data;
  int64_t *shape;
  int32_t dtype; /* an mlc_dtype */
  int32_t rank;
} mlc_tensor;
#endif

/* Element types: the numbers of ONNX's TensorProto.DataType. */
enum mlc_dtype {
  MLC_FLOAT = 1,
  MLC_UINT8 = 2,
  MLC_INT8 = 3,
  MLC_UINT16 = 4,
  MLC_INT16 = 5,
  MLC_INT32 = 6,
  MLC_INT64 = 7,
  MLC_BOOL = 9,
  MLC_FLOAT16 = 10,
  MLC_DOUBLE = 11,
  MLC_UINT32 = 12,
  MLC_UINT64 = 13,
  MLC_BFLOAT16 = 16
};

/* What P_run returns. On anything but MLC_OK no output has been written
 * and nothing is left allocated. */
enum mlc_status {
  MLC_OK = 0,
  MLC_ERR_INPUT_COUNT = 1,   /* num_inputs differs from the model's */
  MLC_ERR_OUTPUT_COUNT = 2,  /* num_outputs differs from the model's */
  MLC_ERR_NULL_POINTER = 3,  /* a descriptor, data or shape is NULL */
  MLC_ERR_DTYPE = 4,         /* a tensor's dtype differs from the model's */
  MLC_ERR_RANK = 5,          /* a tensor's rank differs from the model's */
  MLC_ERR_SHAPE = 6,         /* a size differs from the model's, or is negative */
  MLC_ERR_DIM_MISMATCH = 7,  /* sizes that share a dim_param differ */
  MLC_ERR_RUNTIME_SHAPE = 8, /* the inputs give an invalid shape inside the
                                model (operands that do not broadcast, a
                                Reshape to the wrong size, ...) */
  MLC_ERR_OUT_OF_MEMORY = 9  /* an output could not be allocated */
};

#endif /* MLC_MODEL_ABI_H */
