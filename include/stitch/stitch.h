/* The stitch C API: load a compiled artifact (`stitch compile MODEL.onnx -o ARTIFACT`), query
 * its inputs and outputs, run it. Part of include/stitch/, implemented by the runtime library
 * (src/runtime/c_api.cc, in libstitch_runtime), which needs neither the compiler nor ONNX.
 *
 * Conventions:
 * - Every function that can fail returns a stitch_status; STITCH_OK is 0. On failure,
 *   stitch_last_error() returns a message that says what went wrong (thread-local: the last
 *   failed call of the calling thread). No C++ exception ever leaves these functions.
 * - Tensors are dense, row-major (C order) arrays of the dtype and dims that the info
 *   functions report; a buffer holds exactly `size_bytes` bytes. The compiled model is
 *   specialized to these shapes. The exception: an output whose shape depends on the input
 *   data (NonZero, Unique, Compress, NonMaxSuppression) reports -1 for the dims known only at
 *   run time and size_bytes 0; after a run, stitch_model_last_output_info gives its shape.
 * - A model runs one call at a time: calls on one stitch_model must not overlap (use one model
 *   per thread, or a lock). Different models may run concurrently. Each run uses the model's
 *   own thread pool of `num_threads` threads.
 * - Strings and arrays returned by the info functions belong to the model and live until
 *   stitch_model_free.
 */
#ifndef STITCH_STITCH_H_
#define STITCH_STITCH_H_

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define STITCH_API __attribute__((visibility("default")))
#else
#define STITCH_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum stitch_status {
  STITCH_OK = 0,
  STITCH_ERROR_INVALID_ARGUMENT = 1, /* a NULL pointer, an index out of range, a wrong count */
  STITCH_ERROR_LOAD = 2,             /* the artifact is missing, corrupt or for another CPU */
  STITCH_ERROR_RUN = 3,              /* the run failed (e.g. an input the model was specialized
                                        on holds another value) */
  STITCH_ERROR_INTERNAL = 4          /* out of memory, or a bug in stitch */
} stitch_status;

/* Element types; the values are ONNX's TensorProto.DataType codes. */
typedef enum stitch_dtype {
  STITCH_DTYPE_UNDEFINED = 0,
  STITCH_DTYPE_FLOAT32 = 1,
  STITCH_DTYPE_UINT8 = 2,
  STITCH_DTYPE_INT8 = 3,
  STITCH_DTYPE_UINT16 = 4,
  STITCH_DTYPE_INT16 = 5,
  STITCH_DTYPE_INT32 = 6,
  STITCH_DTYPE_INT64 = 7,
  STITCH_DTYPE_BOOL = 9, /* one byte per element, 0 or 1 */
  STITCH_DTYPE_FLOAT16 = 10,
  STITCH_DTYPE_FLOAT64 = 11,
  STITCH_DTYPE_UINT32 = 12,
  STITCH_DTYPE_UINT64 = 13,
  STITCH_DTYPE_BFLOAT16 = 16
} stitch_dtype;

typedef struct stitch_model stitch_model; /* opaque */

typedef struct stitch_tensor_info {
  const char* name; /* the ONNX graph's input or output name */
  stitch_dtype dtype;
  int32_t rank;
  const int64_t* dims; /* rank entries; -1 for an output dim that depends on data */
  size_t size_bytes;   /* bytes of one buffer of this tensor (0 if a dim is -1) */
} stitch_tensor_info;

/* The message of the calling thread's last failed call ("" if none). Valid until that thread's
 * next failed call. */
STITCH_API const char* stitch_last_error(void);

/* "float32", "int64", ...; "undefined" for an unknown value. */
STITCH_API const char* stitch_dtype_name(stitch_dtype dtype);

/* Loads the artifact directory `artifact_dir` and prepares it to run on `num_threads` threads
 * (>= 1). On success *model is the new model (free it with stitch_model_free); on failure it is
 * set to NULL. A model with a string input or output is refused (STITCH_ERROR_LOAD): tensors
 * cross this API as flat bytes; the C++ API runs such models. */
STITCH_API stitch_status stitch_model_load(const char* artifact_dir, int num_threads,
                                           stitch_model** model);

/* Frees the model and everything it owns (output buffers included). NULL is ignored. */
STITCH_API void stitch_model_free(stitch_model* model);

/* Counts of graph inputs and outputs; 0 for NULL. */
STITCH_API size_t stitch_model_num_inputs(const stitch_model* model);
STITCH_API size_t stitch_model_num_outputs(const stitch_model* model);

/* Describes input or output `index` (in ONNX graph order). */
STITCH_API stitch_status stitch_model_input_info(const stitch_model* model, size_t index,
                                                 stitch_tensor_info* info);
STITCH_API stitch_status stitch_model_output_info(const stitch_model* model, size_t index,
                                                  stitch_tensor_info* info);

/* Runs the model on `num_inputs` caller-owned input buffers (graph order, each
 * input_info.size_bytes bytes; only read during the call). The outputs stay in buffers owned
 * by the model: read them with stitch_model_output_data, valid until the next run or free. */
STITCH_API stitch_status stitch_model_run(stitch_model* model, const void* const* inputs,
                                          size_t num_inputs);

/* After a successful stitch_model_run: the model-owned buffer of output `index`
 * (output_info.size_bytes bytes, 64-byte aligned). */
STITCH_API stitch_status stitch_model_output_data(const stitch_model* model, size_t index,
                                                  const void** data);

/* After a successful stitch_model_run: output `index` as that run produced it, with all dims
 * known (the same as output_info, except for outputs whose shape depends on data). `dims`
 * points into the model and stays valid until the next run or free. */
STITCH_API stitch_status stitch_model_last_output_info(const stitch_model* model, size_t index,
                                                       stitch_tensor_info* info);

/* Runs like stitch_model_run, then copies every output into the caller's buffers: outputs[i]
 * must hold output_info(i).size_bytes bytes. The model's own output buffers hold the same.
 * Refused (STITCH_ERROR_INVALID_ARGUMENT) for a model with an output whose shape depends on
 * data: its size is not known before the run. */
STITCH_API stitch_status stitch_model_run_into(stitch_model* model, const void* const* inputs,
                                               size_t num_inputs, void* const* outputs,
                                               size_t num_outputs);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* STITCH_STITCH_H_ */
