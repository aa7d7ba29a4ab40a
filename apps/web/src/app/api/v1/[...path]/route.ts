import { handlePublicApi } from "@/server/public-api/handle";

type Params = { params: Promise<{ path: string[] }> };

async function handler(req: Request, { params }: Params) {
  const { path } = await params;
  return handlePublicApi(req, `/${path.join("/")}`);
}

export { handler as GET, handler as POST, handler as PUT, handler as DELETE, handler as PATCH };
export const dynamic = "force-dynamic";
