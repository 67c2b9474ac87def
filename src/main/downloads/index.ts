/**
 * Downloads of backup parts: the manager and the Node transport. The Electron transport lives in
 * ./electron-transport and is imported only by the Electron bootstrap (it imports `electron`).
 */
export { DownloadManager, type DownloadManagerOptions, type RetryOptions } from './manager'
export { createNodeTransport, type NodeTransportOptions } from './node-transport'
export {
  TransferError,
  type DownloadTransport,
  type TransferErrorKind,
  type TransferObserver,
  type TransferRequest,
  type TransferResult,
} from './transport'
export { VerificationError, createDownloadCheck, type DownloadCheck, type VerifyResult } from './verify'
export { numberedName, partPathFor } from './naming'
