export { type FlashPolicyServer, flashPolicyServer } from './flash-policy-server';
export { FLASH_POLICY_DEFAULTS, type FlashPolicyOptions } from './options';
export { type PolicyEntry, isValidToPorts } from './policy-entry';
export { policyFromOrigins } from './policy-from-origins';
export { type FirstBytes, POLICY_REQUEST, classifyFirstBytes, isPolicyRequest } from './policy-request';
export { type RenderPolicyOptions, type SiteControl, encodePolicy, renderPolicy } from './render-policy';
export { type PolicySniffer, sniffPolicyRequests } from './sniff-policy-requests';
