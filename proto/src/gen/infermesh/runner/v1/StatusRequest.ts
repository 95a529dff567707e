// Original file: infermesh/runner/v1/runner.proto


export interface StatusRequest {
}

export interface StatusRequest__Output {
}
