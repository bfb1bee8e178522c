import { PortMapper, type PortMapperOptions, type TornetNode } from '../../node/index.js'

/**
 * `tornet start`'s port mapping: maps the node's UDP port on the router and, while the mapping
 * holds, advertises its external address to peers (unless config "announce" names one); when the
 * mapping is lost the node goes back to the address it started with. Lines go to `out`.
 */
export function startPortMapping (node: Pick<TornetNode, 'endpoint' | 'contact' | 'advertise'>, out: (line: string) => void,
  opts: Partial<PortMapperOptions> & { onChange?: () => void } = {}): PortMapper {
  const { onChange, ...mapperOpts } = opts
  const original = { ...node.contact.endpoint }
  const mapper = new PortMapper({
    port: node.endpoint.port,
    log: out,
    onMapped: (external) => {
      if (node.advertise(external)) out(`port mapping: peers are told ${external.address}:${external.port}`)
      else out(`port mapping: config "announce" is set, so peers are still told ${node.contact.endpoint.address}:${node.contact.endpoint.port}`)
      onChange?.()
    },
    onLost: () => { node.advertise(original); onChange?.() },
    ...mapperOpts
  })
  mapper.start()
  return mapper
}
