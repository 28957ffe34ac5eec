// Teaches tfjs-node's C++ binding list-valued op attributes before setup compiles it.
//
// The binding (binding/tfjs_backend.cc, AssignOpAttr) passes string and type attributes as single
// values only, so ops with `list(string)` / `list(type)` attributes cannot be run through it:
// among them TensorFlow's fused kernels (`_MklNativeFusedConv2D`, `_MklNativeFusedMatMul`: conv or
// matmul + bias + activation in one oneDNN primitive, `fused_ops` and `TArgs`), which ganbook's
// native engine uses (lib/train/fast-ops.ts). The patch adds one array branch to each case, using
// TensorFlow's C API (`TFE_OpSetAttrStringList`, `TFE_OpSetAttrTypeList`); single values behave as
// before. Idempotent: a patched file is recognised by its marker and left alone.
'use strict';
const fs = require('fs');

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

/**
 * Patches `file` (tfjs-node's binding/tfjs_backend.cc) in place. Returns 'patched' or
 * 'already patched'; throws when the source does not look like the version this patch was
 * written for (tfjs-node 4.x), naming what it could not find.
 */
function patchBindingSource(file) {
  let src = fs.readFileSync(file, 'utf8');
  if (src.includes(MARKER)) return 'already patched';
  for (const [what, needle] of [['the string attribute case', STRING_CASE], ['the type attribute case', TYPE_CASE]]) {
    if (!src.includes(needle)) throw new Error(`${file}: ${what} is not where tfjs-node 4.x has it; cannot add list attributes.`);
  }
  src = src.replace(STRING_CASE, STRING_LIST).replace(TYPE_CASE, TYPE_LIST);
  if (!/#include <vector>/.test(src)) src = src.replace('#include <set>', '#include <set>\n#include <vector>');
  fs.writeFileSync(file, src);
  return 'patched';
}

/**
 * JavaScript (for `node -e`, after `tf` is required) that prints `"lists":true|false`: whether
 * the loaded binding passes list-valued attributes (`IdentityN` with `T: [float]`).
 */
const LIST_ATTR_PROBE = 'let lists=false;try{const b=tf.backend(),x=tf.scalar(1);'
  + "b.executeMultipleOutputs('IdentityN',[{name:'T',type:b.binding.TF_ATTR_TYPE,value:[b.binding.TF_FLOAT]}],[x],1);lists=true}catch(e){}";

module.exports = { patchBindingSource, LIST_ATTR_PROBE, MARKER };
