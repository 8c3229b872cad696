export {
  BOUNDARY_PREFIX,
  BOUNDARY_RANDOM_BYTES,
  MULTIPART_FORMAT,
  PING_CONTENT_TYPE,
  closingDelimiter,
  createBoundary,
  multipartContentType,
  needsBase64,
  parseMultipartBoundary,
  partHead,
  pingPart,
} from './format';
export { type MultipartParser, type MultipartParserOptions, type MultipartPart, parseMultipartStream } from './parse-stream';
export { xhrMultipartTransport } from './transport';
