// placeholder replaced by the router work
export class ApiRouter<A> {
  constructor(readonly apis: A[]) {}
}
