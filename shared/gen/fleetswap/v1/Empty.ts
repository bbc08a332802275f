// Original file: proto/fleetswap.proto


export interface Empty {
}

export interface Empty__Output {
}
