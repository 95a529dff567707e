/** The version every server reports in ServerMetadata and RunnerControl.Status. */
export const INFERMESH_VERSION = '0.1.0';
