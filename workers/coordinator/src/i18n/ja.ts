import type { Messages } from "./messages.ts";

export const ja: Messages = {
  languageName: "日本語",
  skipToContent: "本文へ移動",
  siteTitle: "Relaywatch",
  tagline:
    "あなたのメールサーバーはオープンリレーになっていませんか？複数のネットワークから証拠付きで検査します。",
  languageSwitchLabel: "言語",
  form: {
    heading: "メールサーバーを検査する",
    label: "ドメインまたはメールサーバー",
    hint: "ドメイン（example.org：その MX ホストを検査）、ポート付きも可能なメールサーバー（mx.example.org:587）、または IP アドレス（192.0.2.1、[2001:db8::1]:25）。",
    submit: "オープンリレーを検査",
    refusedLead: "この対象は検査できません：",
    invalidPort: "ポートは 1 から 65535 までの数字で指定してください。",
    turnstileFailed:
      "不正利用対策の確認が完了していません。確認を済ませてから再度送信してください。",
    crossSite: "このフォームは本サイトのページからの送信のみ受け付けます。",
    tooLarge: "フォームの送信内容が大きすぎます。",
    noInput: "ドメインまたはメールサーバーを入力してください。",
    privacy:
      "宛先はすべて当サービスのドメインです。サーバーが受け付けた場合に限り、検査用と明記した短いテストメッセージを送り（各観測点から最大 3 通）、その到着でリレーを確認します。第三者には一切届きません。",
    implicitTlsLabel: "接続直後から TLS（SMTPS）",
    implicitTlsHint:
      "465 番以外のポートで、あいさつの前から TLS を話すサーバーの場合だけ選んでください。465 番は常にこの方式です。",
    refusals: {
      invalid_address: "IP アドレスとして正しくありません。",
      forbidden_address:
        "公開されていないアドレス（ループバック、プライベート、予約済みなど）は検査できません。",
      forbidden_target:
        "公開されていないアドレス（ループバック、プライベート、予約済みなど）は検査できません。",
      port_not_allowed: "検査できるポートは 25、465、587、2525 だけです。",
      invalid_host: "ドメイン名としても IP アドレスとしても読めません。",
      no_such_domain: "このドメインは DNS に存在しません。",
      null_mx: "このドメインはメールを受け取らないと宣言しています（null MX）。",
      no_mail_host: "このドメインにはメールサーバーが見つかりません。",
      no_address: "このホストには IPv4 / IPv6 アドレスがありません。",
      dns_failure: "DNS の問い合わせに失敗しました。しばらくしてから再度お試しください。",
      no_vantage: "このポートに接続できる観測点がありません。",
      rate_limited: "短時間に検査が多すぎます。しばらくしてから再度お試しください。",
      quota_exceeded: "この API キーの本日の上限に達しました。",
      target_cooldown: "この対象は直前に検査されました。少し待ってから再度お試しください。",
      target_opted_out:
        "この対象の所有者は検査を拒否しています（オプトアウト）。サーバーの不具合ではありません。再び検査できるようにする方法は次のとおりです。",
      node_capacity:
        "観測点がこのネットワークへの検査の上限に達しています。サーバーの不具合ではありません。しばらくしてから再度お試しください。",
    },
  },
  report: {
    title: (target) => `${target} のリレー検査`,
    port: "ポート",
    statusNames: { queued: "待機中", running: "実行中", done: "完了", failed: "失敗" },
    progressHeading: "進捗",
    progressNote: "検査が終わるまで、このページは自動的に更新されます。",
    vantageStates: { pending: "検査中…", done: "完了", failed: "失敗", untestable: "検査不能" },
    verdictHeading: "判定",
    verdictNames: {
      open: "オープンリレー（open relay）",
      suspect: "疑わしい：オープンリレーの可能性あり",
      closed: "オープンリレーではありません",
      inconclusive: "判定不能",
    },
    noVerdict: "判定なし",
    verdictLabels: {
      "open (confirmed)": "オープン (確認済み): テストメッセージが中継されて届きました",
      "open (accepted, unconfirmed)": "オープン (受理、配送未確認)",
      suspect: "疑わしい",
      closed: "クローズ",
      inconclusive: "判定不能",
    },
    awaitingDelivery: "テストメッセージの到着待ち",
    deliveryNames: {
      confirmed: "配送済み",
      pending: "到着待ち",
      "not-delivered": "未配送",
    },
    handedOverBy: "カナリア用メールサーバーへ引き渡したホスト:",
    receivedChain: "メッセージが経由したホスト (Received ヘッダー、最後の中継から順に)",
    reason: "理由",
    disagreement: "観測地点による違い",
    refusedHeading: "検査しなかったアドレス",
    delivery: "配送",
    origin: (asns, name) => `このアドレスのネットワーク：${asns}${name ? `（${name}）` : ""}`,
    originUnknown: "このアドレスのネットワーク：不明（ASの照会に失敗）",
    outsideVantages: (count) =>
      `応答した対象ネットワーク外の独立した観測地点：${count}（同じ場所で実行された観測地点は1つと数えます）`,
    notCorroborated: "2未満のため、closed の判定は裏付けがなく、バッジは灰色のままです。",
    unavailable: (vantages) => `このチェックの計画時に利用できなかった観測地点：${vantages}`,
    listedVantage: (zones) =>
      `この観測地点は ${zones} に掲載されています。この観測地点への拒否は掲載が理由の可能性があり、緑のバッジの根拠には数えません。`,
    outcomeNames: {
      accepted: "受理",
      refused: "拒否",
      "message-refused": "RCPT は受理、メッセージは拒否（抽出）",
      deferred: "保留",
      "auth-required": "認証が必要",
      untested: "未検査",
      error: "エラー",
    },
    stepNames: {
      connect: "接続",
      banner: "グリーティング",
      ehlo: "EHLO",
      starttls: "STARTTLS",
      mail: "MAIL",
      rcpt: "RCPT",
      data: "DATA",
    },
    decidedAt: (step) => `${step} で判定`,
    transcriptSummary: (caseId, conn) =>
      conn === null ? `${caseId} の SMTP ログ` : `${caseId} の SMTP ログ（接続 ${conn}）`,
    noTranscript: "このケースの SMTP ログはありません。",
    evidenceExpired: (days) =>
      `この地点の SMTP ログと応答は保存期間（${days} 日）を過ぎたため削除されました。判定と各ケースの結果は残っています。`,
    outcomesExpired: (days) =>
      `この地点のケースごとの結果は保存期間（${days} 日）を過ぎたため削除されました。判定は残っています。`,
    notFound: "この ID の検査はありません。",
    newCheck: "別のサーバーを検査する",
  },
  advice: {
    heading: "受理された手口と対処方法",
    intro:
      "以下の手口はあなたのサーバーに受理されました。認証していないクライアントから、自ドメイン以外の宛先へのメールを受け付けたということです。",
    acceptedCases: "受理されたケース",
    meaning: "意味",
    danger: "危険な理由",
    fix: "変更すべき点",
    families: {
      "local-sender": {
        title: "ローカルに見える送信者を信頼している",
        meaning:
          "送信者アドレスがローカルに見えた（ドメインなし、localhost、自ドメイン、自ホスト名・アドレス、postmaster）ためにリレーしました。",
        danger:
          "送信者アドレスはクライアントが自由に書けます。スパム送信者は MAIL FROM に自ドメインを書くだけで、あなたの IP の評判を使ってどこへでも送信できます。",
        fix: "送信者アドレスでリレーを許可しないでください。送信者に基づく許可を削除します（Postfix の reject_unauth_destination より前にある check_sender_access … OK、Sendmail の FEATURE(`relay_local_from') と FEATURE(`relay_mail_from')、Exim ACL の senders = や sender_domains = による accept）。リレーの可否はクライアントのネットワークか認証だけで決めます。",
      },
      "foreign-sender": {
        title: "誰に対してもリレーしている",
        meaning:
          "外部の送信者から外部の宛先へのメールをリレーしました。誰に対してもリレーする状態です。",
        danger:
          "完全なオープンリレーです。数時間でスキャナーに発見され、スパムやフィッシングに悪用され、IP がブロックリストに載って自分のメールも届かなくなります。",
        fix: "下記のリレー設定を適用してください。サーバーが見ているクライアントアドレスが本物かも確認します。アドレスを書き換えるプロキシや NAT の内側では、すべてのクライアントがローカルに見え、mynetworks や relay_from_hosts に含まれてしまいます。",
      },
      "null-sender": {
        title: "空の送信者（<>）をリレーしている",
        meaning: "エラー通知（バウンス）だけが使うべき空の送信者 <> のメールをリレーしました。",
        danger:
          "バウンスを検査の対象外にするサーバーがあるため、スパム送信者はあえて <> を使います。それでもメールは任意の宛先に届きます。",
        fix: "<> をリレー検査の対象外にしないでください（Postfix：reject_unauth_destination より前の check_sender_access に <> OK を置かない、Exim：リレー検査の前に accept senders = : を置かない）。外部宛てのバウンスはサーバー自身が生成するもので、外部から受け取る必要はありません。",
      },
      "percent-hack": {
        title: "パーセントハック（user%other.domain@your.host）",
        meaning:
          "user%other.domain@自ホスト という、other.domain への転送を依頼する古い経路指定形式を受理しました。",
        danger:
          "サーバーがアドレスを書き換えて転送すると、% の前に本当の宛先を書くだけで誰でもリレーできます。",
        fix: "信頼できないクライアントからの経路指定を拒否します（Postfix：allow_untrusted_routing = no（既定値）、Exim：percent_hack_domains を設定しない、Sendmail：FEATURE(`loose_relay_check') を削除）。そのようなアドレスを受け止めるだけのキャッチオールなら無害ですが、拒否する方が明確です。",
      },
      "bang-path": {
        title: "UUCP バンパス（other.domain!user）",
        meaning: "! の前のホストを経由させる UUCP 形式の other.domain!user を受理しました。",
        danger:
          "バンパスを変換するサーバー（Postfix の swap_bangpath）は、誰のメールでも other.domain へ転送してしまいます。",
        fix: "信頼できないクライアントからの経路指定を拒否します（Postfix：allow_untrusted_routing = no または swap_bangpath = no、Exim の既定 ACL は ! を含むローカルパートを拒否、Sendmail：UUCP リレーを有効にしない）。現在のインターネットでバンパスは不要です。",
      },
      "quoted-local-part": {
        title: "引用符付き・@ が二重のアドレス",
        meaning:
          '引用符で囲んだローカルパート（"user@other.domain"@自ホスト）や @ が二つあるアドレスに外部アドレスを隠したものを受理しました。',
        danger:
          "引用符を外したりアドレスを解析し直したりするサーバーは、最後のドメインだけを見たリレー検査をすり抜けて外部ドメインへ配送することがあります。",
        fix: "@、%、! を含むローカルパートを拒否します（Exim の既定 ACL：deny local_parts = ^.*[@%!/|]、Postfix：allow_untrusted_routing = no と reject_unlisted_recipient などの厳格な宛先検査）。これらは解析処理の不具合なので、ソフトウェアを最新に保ってください。",
      },
      "source-route": {
        title: "ソースルート（<@your.host:user@other.domain>）",
        meaning: "other.domain への中継を依頼する RFC 821 のソースルートを受理しました。",
        danger:
          "ソースルートは廃止された形式です（RFC 5321 は無視するよう定めています）。これに従うサーバーは、書いた人なら誰でもリレーします。",
        fix: "現在の Postfix と Exim はソースルートを取り除き、最終アドレスで判断します。受理されるならリレー設定が広すぎるか、ソフトウェアが非常に古いということです。下記のリレー設定を適用し、更新してください。",
      },
      spelling: {
        title: "末尾のドットまたは大文字のドメイン",
        meaning: "ドメインを other.domain.（末尾にドット）や大文字で書いたときにリレーしました。",
        danger:
          "ドメイン名を単なる文字列として、大文字小文字を区別して、または末尾のドットを除かずに比較するリレー規則は、表記を変えるだけで誰でも通してしまいます。",
        fix: "リレーの判断から手書きのドメイン照合（regexp・pcre テーブル、独自の ACL 条件）を外し、サーバー自身の検査（reject_unauth_destination、domains = +local_domains）に任せます。どうしても照合する場合は大文字小文字を区別せず、末尾のドットを取り除いて比較してください。",
      },
    },
    servers: {
      postfix:
        "Postfix（main.cf）：自組織のネットワークと認証済みユーザーだけを許可し、それ以外の宛先は拒否します。mynetworks は実際にメールを投入するホストだけにし、プロバイダーのアドレス範囲全体を入れないでください。",
      exim: "Exim：relay_from_hosts には信頼できるホストだけを列挙し、acl_smtp_rcpt ではそれらと認証済みクライアントを受け入れ、それ以外はローカルドメインかリレー先ドメインであることを必須にします。",
      sendmail:
        "Sendmail（sendmail.mc）：FEATURE(`promiscuous_relay') と FEATURE(`relay_entire_domain') を削除し、access データベースの Connect: や To: の RELAY エントリを確認してから、sendmail.cf を再生成して再起動します。",
      exchange:
        "Microsoft Exchange：インターネットに面した受信コネクタで、匿名ユーザーに「任意の受信者を受け入れる」（ms-Exch-SMTP-Accept-Any-Recipient）権限を与えないでください。リレーが必要なアプリケーションには、そのアドレスだけに限定した専用コネクタを使います。",
      opensmtpd:
        "OpenSMTPD（smtpd.conf）：relay アクションは match from local と match auth from any だけに使い、それ以外のクライアントからのメールは自ドメイン宛てだけにします。",
      haraka:
        "Haraka：relay プラグインを acl=true で有効にし、relay_acl_allow には自分のネットワークだけを、host_list には自分のドメインを書きます。relay_all は決して読み込まないでください。",
    },
    retest: "変更後、このページからもう一度検査してください。",
  },
  couldNotTest: {
    serverDidLabel: "サーバーの応答",
    notAFailure:
      "これはサーバーのリレー対策の不備ではありません。検査を実行できなかったため、リレーするともしないとも言えません。",
    whatToDoLabel: "できること",
    kinds: {
      blocked: {
        serverDid:
          "リレーの検査を試す前に、クライアントとしての接続を拒否しました（ブロックリスト、ポリシー、ファイアウォールなど）。",
        whatToDo:
          "完全な結果を得るには、公開している観測点のアドレス（観測点のページ /about/probes）を SMTP で許可してから再度検査してください。拒否を続けてもかまいません。その場合、結果は判定不能のままです。",
      },
      "rate-limited": {
        serverDid:
          "すべての項目に応答する前に、接続数やコマンド数を制限しました（421 too many connections など）。",
        whatToDo:
          "公開している観測点のアドレス（/about/probes）を接続数・レート制限の対象外にするか、時間をおいて再度検査してください。",
      },
      greylisted: {
        serverDid:
          "グレイリスティングで後からの再試行を求め、検査の制限時間が過ぎるまで受け付けませんでした。",
        whatToDo:
          "公開している観測点のアドレス（/about/probes）をグレイリスティングの許可リストに加えるか、再度検査してください。二回目は通ることがよくあります。",
      },
      tarpitted: {
        serverDid:
          "応答が非常に遅い、または応答がなく、すべての項目に応答する前に検査の制限時間が過ぎました（ターピットや高負荷）。",
        whatToDo:
          "公開している観測点のアドレス（/about/probes）をターピットや遅延の対象外にするか、時間をおいて再度検査してください。",
      },
      unreachable: {
        serverDid: "この観測点からこのポートに接続できませんでした。",
        whatToDo:
          "サーバーがインターネットからこのポートへの接続を受け付けているか（ファイアウォール、DNS のアドレス）を確認してから再度検査してください。",
      },
      "tls-not-testable-here": {
        serverDid:
          "TLS を提供していますが、この観測点からはハンドシェイクが完了しませんでした。この観測点の実行環境（Cloudflare Workers、workerd）はすべての証明書を自ら検証し、検証を省くことができません。送信側のメールサーバーは通常検証しないため、これは観測点の制約であり、証明書の問題を示すものではありません。",
        whatToDo:
          "この検査のために変更は不要です。Node.js の観測点がこのようなサーバーを検査し、証明書を記録します（引き継いだ観測点はレポートに示されます）。なければ後で再度検査してください。",
      },
      tls: {
        serverDid:
          "TLS を必須としていますが、この観測点からの TLS ハンドシェイクが失敗しました（理由を参照）。",
        whatToDo:
          "証明書チェーンが完全で、サーバー名に対して有効かを確認してから再度検査してください。",
      },
      other: {
        serverDid: "応答から判定できませんでした（理由と SMTP ログを参照）。",
        whatToDo: "下の SMTP ログを確認し、時間をおいて再度検査してください。",
      },
    },
  },
  probes: {
    title: "観測点について",
    intro:
      "Relaywatch は、メールサーバーが第三者のメールを中継してしまうか（オープンリレー）を検査します。メールログでこれらの観測点を見つけた方へ、誰が接続したか、何をしたか、止める方法を説明します。",
    whoHeading: "接続元",
    columns: {
      node: "観測点",
      region: "地域",
      site: "実際の所在地",
      network: "ネットワーク（AS）",
      egress: "アドレス",
      reverseName: "逆引き DNS",
      ehloName: "EHLO 名",
      ports: "検査するポート",
      status: "ブロックリスト",
      atOnce: "同時に行う検査（最大）",
    },
    listedOn: (zones) => `${zones} に掲載中：この観測点への拒否は掲載が理由の可能性があります`,
    colo: (code) => `Cloudflare ${code}`,
    notListed: "掲載なし",
    noProbes: "現在、稼働中の観測点はありません。",
    notLookedUp: "未確認",
    doesHeading: "検査で行うこと",
    does: ({ connections, atOnce, messages, canaryDomain }) => [
      "検査を依頼されたドメインのメールサーバー（または指定された一台）に接続し、上の観測点の名前で EHLO を送り、1990 年代から使われてきたリレーの手口を試します。正しく設定されたサーバーならすべて拒否する MAIL FROM と RCPT TO の組み合わせです。",
      `一つの観測点から一つのアドレスへの接続は最大 ${connections} 回で、同時接続は最大 ${atOnce} 本です。`,
      `受信者はすべて私たちのカナリアドメイン ${canaryDomain} のアドレスです。サーバーが受け付けた場合に限り、はっきりと表示した短いテストメッセージを最大 ${messages} 通そのドメインへ送り、届いたことでリレーを証明します。`,
      "検査したサーバーは、誰が依頼しても、しばらく再検査しません。",
    ],
    neverHeading: "検査で決して行わないこと",
    never: [
      "カナリアドメイン以外の誰にもメッセージを送りません。送信者もカナリアドメインか検査対象自身の名前だけなので、第三者にバウンスが届くことはありません。",
      "パスワードを試したり、認証したり、他のポートやホストを走査したりしません。",
      "プライベート、ループバック、予約済みのアドレスは検査しません。",
    ],
    capsHeading: "観測点ごとの上限",
    caps: ({ perMinute, perPrefixPerHour }) =>
      `各観測点が始める検査は、誰が依頼しても一分あたり最大 ${perMinute} 件、一つのネットワーク（IPv4 の /24、IPv6 の /48）のアドレスへは一時間あたり最大 ${perPrefixPerHour} 件で、同時に行う検査は上の表の数までです。それを超える分は待ちます。`,
    optOutHeading: "検査を拒否する（オプトアウト）",
    optOutDomain:
      "ドメインの所有者は TXT レコード _relaywatch.<ドメイン> に「v=rw1; optout」を公開してください。そのドメインの検査は拒否されます。",
    optOutAddress:
      "アドレスの所有者は、同じ TXT レコードをアドレスの逆引き名の下に公開してください（例：1.2.3.4 なら _relaywatch.4.3.2.1.in-addr.arpa）。そのアドレスにメールが届くすべての名前が対象になります。",
    optOutOperator: (contact) =>
      `または ${contact} までご連絡ください。ドメイン、アドレス、ネットワークを私たちのリストに追加します。`,
    optOutDelay: (minutes) =>
      `レコードの追加や削除は ${minutes} 分以内に反映されます。再び検査できるようにするには、レコードを削除してください。`,
    contactHeading: "問い合わせ先",
    contact: (contact) => `観測点に関するご質問や苦情は ${contact} までご連絡ください。`,
    allowHeading: "観測点を通すには",
    allow:
      "ブロックリスト、レート制限、グレイリスティング、ターピットがあると結果は判定不能になりますが、リレー対策の不備ではありません。完全な結果を得るには、上のアドレスを SMTP で許可してください。",
  },
  summary: {
    tricksHeading: "受け付けられた手口",
    noTricks: "リレーの手口はどれも受け付けられませんでした。",
    from: "観測点",
    on: "対象",
    delivered: "テストメッセージが実際に届きました",
    more: (count) => `ほか ${count} 件は下の表にあります`,
    fixHeading: "直し方",
    detected: (software) => `このサーバーは ${software} だと名乗っています：`,
    evidence: "サーバーの応答",
    unknownServer:
      "サーバーはソフトウェア名を名乗っていません。リレーは自分のネットワークと認証済みユーザーだけに許可してください。各メールサーバーの設定は下にあります。",
    otherServers: "ほかのメールサーバー",
    copy: "コピー",
    copied: "コピーしました",
  },
  matrix: {
    heading: "全ケース・全観測点の結果",
    intro: "セルを開くと、そのケースの SMTP のやり取りが表示されます。",
    caption: (addresses) => `${addresses} で試したケース`,
    caseColumn: "ケース",
    outcomeNames: {
      accepted: "受理",
      delivered: "配送された",
      refused: "拒否",
      untested: "検査できず",
      unanswered: "応答なし",
    },
    legend: "記号",
    sameAs: (count) => `${count} か所の観測点で同じ結果`,
    sameAddresses: (count) => `${count} 個のアドレスで同じ結果`,
    targetsHeading: "メールサーバーとアドレス",
    targetColumns: { host: "メールサーバー", address: "アドレス", verdicts: "観測点ごとの判定" },
    otherGroups: (count) => `結果の異なるアドレス群がほかに ${count} 個`,
    exchangeHint: "セルを選ぶと、ここにやり取りが表示されます。",
  },
  vantages: {
    heading: "観測地点の実行場所",
    outsideCount: (count) => `対象ネットワーク外の独立した観測地点 ${count} か所から検査`,
    listedAmong: (listed) =>
      `。うち ${listed} か所は DNS ブロックリストに掲載されているため、その拒否はバッジの根拠に数えません`,
    details: "各観測地点の実行場所",
    columns: {
      vantage: "観測地点",
      ranAt: "実行場所",
      network: "ネットワーク",
      counted: "数えるか",
    },
    counted: "はい：対象ネットワーク外の独立した観測地点",
    insideMark: "対象と同じネットワーク内",
    insideFor: (addresses) =>
      `${addresses} については数えません：同じネットワーク内（同じAS）のため、表示のみです`,
    tlsNotTestable: (addresses) =>
      `${addresses} については数えません：この観測点からは TLS を検査できません（実行環境がすべての証明書を検証するため。サーバーの問題ではありません）`,
    testedInstead: (vantages) => `代わりに ${vantages} から検査`,
    noneInstead: "代わりに検査できる Node.js の観測地点はありませんでした",
    failed: (address, reason) =>
      `${address} については数えません：検査できませんでした（${reason}）`,
    certificatesHeading: "証明書",
    certificatesIntro:
      "Node.js の観測地点が記録したものです。多くのメールサーバーと同じく、どの証明書でも TLS で通信します。",
    certColumns: {
      address: "アドレス",
      recordedBy: "記録した観測地点",
      subject: "サブジェクト",
      issuer: "発行者",
      validity: "有効期間",
      verifies: "検証に通るか",
    },
    verifiesYes: "はい",
    verifiesNo: (why) => `いいえ：${why}`,
    unknown: "不明",
  },
  exchange: {
    title: (caseId, vantage) => `${caseId}（観測点 ${vantage}）`,
    noLines: "この接続のログにはこのケースが含まれていません。",
    fullTranscript: "この観測点の全記録",
    back: "レポートに戻る",
    notFound: "このレポートにそのケースはありません。",
  },
  progress: {
    answered: (answered, total) => `${total} ケース中 ${answered} ケースに応答`,
    waiting: "開始中…",
    slow: (seconds) =>
      `サーバーの応答が遅いか、後で再試行するよう求めています（ターピットまたはグレイリスティング）。残り約 ${seconds} 秒です。`,
    casesSoFar: "応答済みのケース",
  },
  again: {
    button: "もう一度検査",
    waitFor: (seconds) => `もう一度検査（${seconds} 秒後から可能）`,
    changesHeading: "前回の検査からの変化",
    previous: "前回のレポート",
    nowRefused: "拒否されるようになった",
    nowAccepted: "受理されるようになった",
    noChanges: "変化したケースはありません。",
  },
  downloads: {
    heading: "ダウンロード",
    json: "レポート（JSON）",
    transcripts: "SMTP 記録（テキスト）",
  },
  domainPage: {
    title: (domain) => `${domain} のリレー検査の履歴`,
    latest: "最新の判定",
    noChecks: "このドメインはまだ検査されていません。",
    timelineHeading: "判定の推移",
    timelineLabel: (domain, count) => `${domain} の直近 ${count} 回の判定の推移`,
    reportsHeading: "レポート",
    invalid: "ドメイン名として正しくありません。",
    link: "このドメインの履歴",
  },
  badge: {
    heading: "バッジを埋め込む",
    intro: "最新の結果をサイトに表示できます。バッジはこのレポートにリンクします。",
    html: "HTML",
    markdown: "Markdown",
    restructuredText: "reStructuredText",
  },
  history: {
    heading: "履歴",
    empty: "この対象の過去の検査はありません。",
    current: "この検査",
  },
};
