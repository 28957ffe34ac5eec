// Teaches tfjs-node's C++ binding list-valued op attributes before setup compiles it.
//
// The binding (binding/tfjs_backend.cc, AssignOpAttr) passes string and type attributes as single
// values only, so ops with `list(string)` / `list(type)` attributes cannot be run through it:
// among them TensorFlow's fused kernels (`_MklNativeFusedConv2D`, `_MklNativeFusedMatMul`: conv or
// matmul + bias + activation in one oneDNN primitive, `fused_ops` and `TArgs`), which ganbook's
// native engine uses (lib/train/fast-ops.ts). The patch adds one array branch to each case, using
// TensorFlow's C API (`TFE_OpSetAttrStringList`, `TFE_OpSetAttrTypeList`); single values behave as
// before.
//
// A second patch lets ganbook configure TensorFlow's eager context: when GANBOOK_TF_CONFIG holds
// a hex-encoded serialized `tensorflow.ConfigProto` (lib/backend.ts writes it before loading the
// binding: thread spinning off by default, thread counts), the context is created with it
// (`TFE_ContextOptionsSetConfig`); a value that is not one makes the binding fail to load with a
// message naming the variable.
//
// A third patch keeps signals out of TensorFlow's kernels: this TensorFlow build's oneDNN
// kernels (the no-copy sgemm behind `MatMul`, found with gdb: a jump to a bad address inside
// `sgemm_nocopy_driver`, then glibc's "corrupted size vs. prev_size") crash when a signal handler
// runs on a thread that is inside them, and Jupyter interrupts a kernel with SIGINT, profilers
// sample with SIGPROF. The binding now blocks asynchronous signals while a kernel runs on the
// calling thread (`TFE_Execute`, `TF_SessionRun`) and while the context starts TensorFlow's
// threads (they inherit the mask, so they never take one); a signal that arrives meanwhile waits
// until the kernel returns (microseconds to milliseconds). The binding exports
// `GANBOOK_SIGNALS_BLOCKED = 1` so that setup can tell a binding that has it.
//
// A fourth patch lets ganbook run a whole training step as one TensorFlow function, as Keras'
// `tf.function` does: the binding exports `ganbookAddFunctionDef(bytes)`, which registers a
// serialized `tensorflow.FunctionDef` with the eager context (`TFE_ContextAddFunctionDef`); the
// function then runs through `executeOp` under its name like any op (lib/train/engine/compiled.ts).
// And `ganbookOpList()`: the serialized `tensorflow.OpList` of every registered op
// (`TF_GetAllOpList`), whose output argument names a function body must name.
// Idempotent: each patch is recognised by its marker and left alone.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const MARKER = 'ganbook: list(string) attributes';

const STRING_CASE = `    case TF_ATTR_STRING: {
      // NOTE: String attribute values do not have to be utf8 encoded strings`;
const STRING_LIST = `    case TF_ATTR_STRING: {
      // ${MARKER} (e.g. _FusedConv2D's fused_ops).
      if (IsArray(env, nstatus, &js_value)) {
        uint32_t length;
        nstatus = napi_get_array_length(env, js_value, &length);
        ENSURE_NAPI_OK(env, nstatus);
        std::vector<std::string> strings(length);
        std::vector<const void *> values(length);
        std::vector<size_t> lengths(length);
        for (uint32_t i = 0; i < length; ++i) {
          napi_value element;
          nstatus = napi_get_element(env, js_value, i, &element);
          ENSURE_NAPI_OK(env, nstatus);
          nstatus = GetStringParam(env, element, strings[i]);
          ENSURE_NAPI_OK(env, nstatus);
          values[i] = strings[i].data();
          lengths[i] = strings[i].size();
        }
        TFE_OpSetAttrStringList(tfe_op, attr_name, values.data(), lengths.data(), static_cast<int>(length));
        break;
      }
      // NOTE: String attribute values do not have to be utf8 encoded strings`;

const TYPE_CASE = `    case TF_ATTR_TYPE: {
      TF_DataType tf_data_type;`;
const TYPE_LIST = `    case TF_ATTR_TYPE: {
      // ganbook: list(type) attributes (e.g. _FusedConv2D's TArgs).
      if (IsArray(env, nstatus, &js_value)) {
        uint32_t length;
        nstatus = napi_get_array_length(env, js_value, &length);
        ENSURE_NAPI_OK(env, nstatus);
        std::vector<TF_DataType> types(length);
        for (uint32_t i = 0; i < length; ++i) {
          napi_value element;
          nstatus = napi_get_element(env, js_value, i, &element);
          ENSURE_NAPI_OK(env, nstatus);
          nstatus = napi_get_value_int32(env, element, reinterpret_cast<int32_t *>(&types[i]));
          ENSURE_NAPI_OK(env, nstatus);
        }
        TFE_OpSetAttrTypeList(tfe_op, attr_name, types.data(), static_cast<int>(length));
        break;
      }
      TF_DataType tf_data_type;`;

const CONFIG_MARKER = 'ganbook: context config';
const CONTEXT_CASE = `  TFE_ContextOptions *tfe_options = TFE_NewContextOptions();
  tfe_context_ = TFE_NewContext(tfe_options, tf_status.status);`;
const CONTEXT_CONFIG = `  TFE_ContextOptions *tfe_options = TFE_NewContextOptions();
  // ${CONFIG_MARKER}: GANBOOK_TF_CONFIG, a hex-encoded serialized tensorflow.ConfigProto.
  if (const char *config_hex = getenv("GANBOOK_TF_CONFIG")) {
    std::string config_bytes;
    size_t config_len = strlen(config_hex);
    bool config_ok = config_len % 2 == 0;
    for (size_t i = 0; config_ok && i < config_len; i += 2) {
      config_ok = isxdigit(static_cast<unsigned char>(config_hex[i])) && isxdigit(static_cast<unsigned char>(config_hex[i + 1]));
      if (config_ok) config_bytes.push_back(static_cast<char>(std::stoi(std::string(config_hex + i, 2), nullptr, 16)));
    }
    if (config_ok) TFE_ContextOptionsSetConfig(tfe_options, config_bytes.data(), config_bytes.size(), tf_status.status);
    if (!config_ok || TF_GetCode(tf_status.status) != TF_OK) {
      TFE_DeleteContextOptions(tfe_options);
      NAPI_THROW_ERROR(env, "GANBOOK_TF_CONFIG is not a hex-encoded serialized tensorflow.ConfigProto (%s); unset it.",
                       config_ok ? TF_Message(tf_status.status) : "not hex");
      return;
    }
  }
  tfe_context_ = TFE_NewContext(tfe_options, tf_status.status);`;

const SIGNAL_MARKER = 'ganbook: signals blocked inside TensorFlow';
const NAMESPACE_CASE = 'namespace tfnodejs {\n';
const SIGNAL_BLOCK = `namespace tfnodejs {

// ${SIGNAL_MARKER}: while it lives, the calling thread takes no asynchronous signal (they
// stay pending and arrive after). Faults (SIGSEGV, SIGBUS, ...) are left unblocked.
class GanbookSignalBlock {
 public:
  GanbookSignalBlock() {
#ifndef _WIN32
    sigset_t all;
    sigfillset(&all);
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS}) sigdelset(&all, sig);
    pthread_sigmask(SIG_BLOCK, &all, &old_);
#endif
  }
  ~GanbookSignalBlock() {
#ifndef _WIN32
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
#endif
  }
  GanbookSignalBlock(const GanbookSignalBlock &) = delete;
  GanbookSignalBlock &operator=(const GanbookSignalBlock &) = delete;

 private:
#ifndef _WIN32
  sigset_t old_;
#endif
};
`;
const EXECUTE_CASE = '  TFE_Execute(tfe_op.op, result_handles.data(), &size, tf_status.status);';
const EXECUTE_BLOCKED = `  {
    GanbookSignalBlock no_signals;
    TFE_Execute(tfe_op.op, result_handles.data(), &size, tf_status.status);
  }`;
const NEW_CONTEXT_CASE = '  tfe_context_ = TFE_NewContext(tfe_options, tf_status.status);';
const NEW_CONTEXT_BLOCKED = `  {
    GanbookSignalBlock no_signals;  // TensorFlow's threads start here and inherit the mask
    tfe_context_ = TFE_NewContext(tfe_options, tf_status.status);
  }`;
const SESSION_RUN_CASE = '  TF_SessionRun(savedmodel_entry->second.first,';
const SESSION_RUN_BLOCKED = '  GanbookSignalBlock no_signals;\n  TF_SessionRun(savedmodel_entry->second.first,';
const EXPORT_CASE = '  EXPORT_INT_PROPERTY(TF_ATTR_SHAPE);\n';
const EXPORT_SIGNALS = `  EXPORT_INT_PROPERTY(TF_ATTR_SHAPE);
  // ${SIGNAL_MARKER} (tfjs_backend.cc)
  AssignIntProperty(env, exports, "GANBOOK_SIGNALS_BLOCKED", 1);
`;

const FUNCTION_MARKER = 'ganbook: function definitions';
const HEADER_CASE = '  napi_value GetNumOfSavedModels(napi_env env);\n';
const HEADER_FUNCTIONS = `  napi_value GetNumOfSavedModels(napi_env env);

  // ${FUNCTION_MARKER}: registers a serialized tensorflow.FunctionDef with the context.
  void AddFunctionDef(napi_env env, napi_value bytes);
`;
const NAMESPACE_END_CASE = '}  // namespace tfnodejs';
const BACKEND_FUNCTIONS = `// ${FUNCTION_MARKER}
void TFJSBackend::AddFunctionDef(napi_env env, napi_value bytes) {
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value buffer;
  size_t offset;
  napi_status nstatus = napi_get_typedarray_info(env, bytes, &type, &length, &data, &buffer, &offset);
  ENSURE_NAPI_OK(env, nstatus);
  if (type != napi_uint8_array) {
    NAPI_THROW_ERROR(env, "ganbookAddFunctionDef expects a Uint8Array (a serialized FunctionDef)");
    return;
  }
  TF_AutoStatus tf_status;
  TFE_ContextAddFunctionDef(tfe_context_, static_cast<const char *>(data), length, tf_status.status);
  ENSURE_TF_OK(env, tf_status);
}

}  // namespace tfnodejs`;
const INIT_CASE = 'static napi_value InitTFNodeJSBinding(napi_env env, napi_value exports) {';
const INIT_FUNCTIONS = `// ${FUNCTION_MARKER}
static napi_value GanbookAddFunctionDef(napi_env env, napi_callback_info info) {
  TFJSBackend *const backend = GetTFJSBackend(env);
  if (!backend) return nullptr;
  size_t argc = 1;
  napi_value args[1];
  napi_value js_this;
  napi_status nstatus = napi_get_cb_info(env, info, &argc, args, &js_this, nullptr);
  ENSURE_NAPI_OK_RETVAL(env, nstatus, nullptr);
  if (argc < 1) {
    NAPI_THROW_ERROR(env, "ganbookAddFunctionDef expects one argument (a Uint8Array)");
    return nullptr;
  }
  backend->AddFunctionDef(env, args[0]);
  return nullptr;
}

// ${FUNCTION_MARKER}: every registered op's definition, a serialized tensorflow.OpList.
static napi_value GanbookOpList(napi_env env, napi_callback_info info) {
  TF_Buffer *ops = TF_GetAllOpList();
  napi_value result;
  void *copy;
  napi_status nstatus = napi_create_buffer_copy(env, ops->length, ops->data, &copy, &result);
  TF_DeleteBuffer(ops);
  ENSURE_NAPI_OK_RETVAL(env, nstatus, nullptr);
  return result;
}

${INIT_CASE}`;
const PROPERTIES_CASE = '      {"getNumOfTensors", nullptr, GetNumOfTensors, nullptr, nullptr,\n       nullptr, napi_default, nullptr},\n';
const PROPERTIES_FUNCTIONS = `${PROPERTIES_CASE}      {"ganbookAddFunctionDef", nullptr, GanbookAddFunctionDef, nullptr, nullptr,
       nullptr, napi_default, nullptr},
      {"ganbookOpList", nullptr, GanbookOpList, nullptr, nullptr,
       nullptr, napi_default, nullptr},
`;

/**
 * Patches `file` (tfjs-node's binding/tfjs_backend.cc) and its sibling tfjs_binding.cc in place.
 * Returns 'patched' or 'already patched'; throws when the source does not look like the version
 * this patch was written for (tfjs-node 4.x), naming what it could not find.
 */
function patchBindingSource(file) {
  const bindingFile = path.join(path.dirname(file), 'tfjs_binding.cc');
  let src = fs.readFileSync(file, 'utf8');
  let exportsSrc = fs.readFileSync(bindingFile, 'utf8');
  const lists = !src.includes(MARKER), config = !src.includes(CONFIG_MARKER);
  const signals = !src.includes(SIGNAL_MARKER), signalsExport = !exportsSrc.includes(SIGNAL_MARKER);
  const headerFile = path.join(path.dirname(file), 'tfjs_backend.h');
  let header = fs.readFileSync(headerFile, 'utf8');
  const functions = !src.includes(FUNCTION_MARKER), functionsHeader = !header.includes(FUNCTION_MARKER);
  const functionsExport = !exportsSrc.includes(FUNCTION_MARKER);
  if (!lists && !config && !signals && !signalsExport && !functions && !functionsHeader && !functionsExport) return 'already patched';
  const needles = [];
  if (lists) needles.push(['the string attribute case', STRING_CASE, 'list attributes'], ['the type attribute case', TYPE_CASE, 'list attributes']);
  if (config) needles.push(['the context creation', CONTEXT_CASE, 'the context config']);
  if (signals) {
    needles.push(['the namespace', NAMESPACE_CASE, 'signal blocking'], ['TFE_Execute', EXECUTE_CASE, 'signal blocking'],
      ['the context creation', NEW_CONTEXT_CASE, 'signal blocking'], ['TF_SessionRun', SESSION_RUN_CASE, 'signal blocking']);
  }
  for (const [what, needle, feature] of needles) {
    if (!src.includes(needle)) throw new Error(`${file}: ${what} is not where tfjs-node 4.x has it; cannot add ${feature}.`);
  }
  if (signalsExport && !exportsSrc.includes(EXPORT_CASE)) {
    throw new Error(`${bindingFile}: the exported attribute types are not where tfjs-node 4.x has them; cannot add signal blocking.`);
  }
  if (functions && !src.includes(NAMESPACE_END_CASE)) throw new Error(`${file}: the namespace end is not where tfjs-node 4.x has it; cannot add functions.`);
  if (functionsHeader && !header.includes(HEADER_CASE)) throw new Error(`${headerFile}: GetNumOfSavedModels is not where tfjs-node 4.x has it; cannot add functions.`);
  if (functionsExport && !(exportsSrc.includes(INIT_CASE) && exportsSrc.includes(PROPERTIES_CASE))) {
    throw new Error(`${bindingFile}: the exports are not where tfjs-node 4.x has them; cannot add functions.`);
  }
  if (lists) src = src.replace(STRING_CASE, STRING_LIST).replace(TYPE_CASE, TYPE_LIST);
  if (config) src = src.replace(CONTEXT_CASE, CONTEXT_CONFIG);
  if (signals) {
    src = src.replace(NAMESPACE_CASE, SIGNAL_BLOCK).replace(EXECUTE_CASE, EXECUTE_BLOCKED)
      .replace(NEW_CONTEXT_CASE, NEW_CONTEXT_BLOCKED).replace(SESSION_RUN_CASE, SESSION_RUN_BLOCKED);
  }
  for (const h of ['vector', 'string', 'cctype', 'cstdlib', 'csignal']) {
    if (!new RegExp(`#include <${h}>`).test(src)) src = src.replace('#include <set>', `#include <set>\n#include <${h}>`);
  }
  if (signals && !src.includes('#include <pthread.h>')) src = src.replace('#include <set>', '#include <set>\n#ifndef _WIN32\n#include <pthread.h>\n#endif');
  if (functions) {
    const i = src.lastIndexOf(NAMESPACE_END_CASE);
    src = src.slice(0, i) + BACKEND_FUNCTIONS + src.slice(i + NAMESPACE_END_CASE.length);
  }
  fs.writeFileSync(file, src);
  if (functionsHeader) fs.writeFileSync(headerFile, header.replace(HEADER_CASE, HEADER_FUNCTIONS));
  if (signalsExport) exportsSrc = exportsSrc.replace(EXPORT_CASE, EXPORT_SIGNALS);
  if (functionsExport) exportsSrc = exportsSrc.replace(INIT_CASE, INIT_FUNCTIONS).replace(PROPERTIES_CASE, PROPERTIES_FUNCTIONS);
  if (signalsExport || functionsExport) fs.writeFileSync(bindingFile, exportsSrc);
  return 'patched';
}

/**
 * JavaScript (for `node -e`, after `tf` is required) that prints `"lists":true|false`: whether
 * the loaded binding passes list-valued attributes (`IdentityN` with `T: [float]`).
 */
const LIST_ATTR_PROBE = 'let lists=false;try{const b=tf.backend(),x=tf.scalar(1);'
  + "b.executeMultipleOutputs('IdentityN',[{name:'T',type:b.binding.TF_ATTR_TYPE,value:[b.binding.TF_FLOAT]}],[x],1);lists=true}catch(e){}";

/**
 * JavaScript (for `node -e`, after `tf` is required) that sets `signals`: whether the loaded
 * binding holds signals while kernels run (it exports GANBOOK_SIGNALS_BLOCKED = 1).
 */
const SIGNALS_PROBE = 'const signals=tf.backend().binding.GANBOOK_SIGNALS_BLOCKED===1;';

/**
 * JavaScript (for `node -e`, after `tf` is required) that sets `functions`: whether the loaded
 * binding registers function definitions (it exports `ganbookAddFunctionDef`).
 */
const FUNCTIONS_PROBE = "const functions=typeof tf.backend().binding.ganbookAddFunctionDef==='function'&&typeof tf.backend().binding.ganbookOpList==='function';";

/**
 * Whether `pkg`'s installed binding reads GANBOOK_TF_CONFIG (the context-config patch), asked of
 * a child process (`cwd`: where `pkg` resolves): a patched binding refuses a value that is not hex
 * with CONFIG_PROBE_ERROR in its message (tfjs then warns and falls back), an unpatched one ignores it.
 */
function bindingReadsConfig(pkg, cwd) {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(pkg)}).tensor([1]).dataSync()`],
    { cwd, encoding: 'utf8', timeout: 120e3, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', GANBOOK_TF_CONFIG: 'not-hex' } });
  return `${r.stdout || ''}${r.stderr || ''}`.includes(CONFIG_PROBE_ERROR);
}
const CONFIG_PROBE_ERROR = 'GANBOOK_TF_CONFIG is not a hex-encoded serialized tensorflow.ConfigProto';

module.exports = { patchBindingSource, bindingReadsConfig, LIST_ATTR_PROBE, SIGNALS_PROBE, FUNCTIONS_PROBE, MARKER, CONFIG_MARKER, SIGNAL_MARKER, FUNCTION_MARKER };
